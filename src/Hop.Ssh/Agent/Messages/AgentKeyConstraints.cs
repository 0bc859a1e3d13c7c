using Hop.Ssh.Wire;

namespace Hop.Ssh.Agent.Messages;

/// <summary>
/// The constraints of SSH_AGENTC_ADD_ID_CONSTRAINED (RFC 9987 §3.2.7), each a type byte and its
/// data, to the end of the message:
/// <code>
/// byte    SSH_AGENT_CONSTRAIN_LIFETIME (1)
/// uint32  seconds
///
/// byte    SSH_AGENT_CONSTRAIN_CONFIRM (2)
///
/// byte    SSH_AGENT_CONSTRAIN_EXTENSION (255)
/// string  extension name
/// byte[]  extension data
/// </code>
/// Hop supports lifetime and confirm; any other constraint is refused (the whole add fails), as
/// the RFC requires of constraints an agent does not know.
/// </summary>
public sealed record AgentKeyConstraints(uint? LifetimeSeconds = null, bool Confirm = false)
{
    public static readonly AgentKeyConstraints None = new();

    public bool IsEmpty => LifetimeSeconds is null && !Confirm;

    public static AgentKeyConstraints Read(ref SshReader reader)
    {
        uint? lifetime = null;
        bool confirm = false;
        while (!reader.IsAtEnd)
        {
            var type = (AgentConstraintType)reader.ReadByte();
            switch (type)
            {
                case AgentConstraintType.Lifetime:
                    lifetime = reader.ReadUInt32();
                    break;
                case AgentConstraintType.Confirm:
                    confirm = true;
                    break;
                case AgentConstraintType.Extension:
                    string name = reader.ReadUtf8(1024);
                    throw new AgentUnsupportedConstraintException($"unsupported constraint extension {name}");
                default:
                    throw new AgentUnsupportedConstraintException($"unsupported constraint {(byte)type}");
            }
        }
        return new AgentKeyConstraints(lifetime, confirm);
    }

    public void Write(ref SshWriter writer)
    {
        if (LifetimeSeconds is uint s)
        {
            writer.WriteByte((byte)AgentConstraintType.Lifetime);
            writer.WriteUInt32(s);
        }
        if (Confirm) writer.WriteByte((byte)AgentConstraintType.Confirm);
    }
}

/// <summary>An add request carried a constraint the agent does not support.</summary>
public sealed class AgentUnsupportedConstraintException : SshProtocolException
{
    public AgentUnsupportedConstraintException() { }
    public AgentUnsupportedConstraintException(string message) : base(message) { }
    public AgentUnsupportedConstraintException(string message, Exception inner) : base(message, inner) { }
}
