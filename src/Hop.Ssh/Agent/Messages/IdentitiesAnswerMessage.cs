using Hop.Ssh.Wire;

namespace Hop.Ssh.Agent.Messages;

/// <summary>
/// SSH_AGENT_IDENTITIES_ANSWER (RFC 9987 §3.5), the reply to SSH_AGENTC_REQUEST_IDENTITIES:
/// <code>
/// byte    SSH_AGENT_IDENTITIES_ANSWER (12)
/// uint32  nkeys
/// nkeys × (string key blob, string comment)
/// </code>
/// </summary>
public sealed record IdentitiesAnswerMessage(IReadOnlyList<AgentIdentity> Identities) : IAgentMessage
{
    public static IdentitiesAnswerMessage Read(ref SshReader reader)
    {
        AgentMessages.ExpectType(ref reader, AgentMessageType.IdentitiesAnswer);
        uint n = reader.ReadUInt32();
        // Each identity takes at least 8 bytes, which bounds n by what is left.
        if (n > (uint)reader.Remaining / 8) throw new SshProtocolException($"identity count {n} exceeds the message");
        var list = new List<AgentIdentity>((int)n);
        for (uint i = 0; i < n; i++)
        {
            byte[] blob = reader.ReadString(AgentMessages.MaxKeyBlob).ToArray();
            string comment = AgentMessages.ReadComment(ref reader);
            list.Add(new AgentIdentity(blob, comment));
        }
        reader.EnsureEnd();
        return new IdentitiesAnswerMessage(list);
    }

    public void Write(ref SshWriter writer)
    {
        writer.WriteByte((byte)AgentMessageType.IdentitiesAnswer);
        writer.WriteUInt32((uint)Identities.Count);
        foreach (var id in Identities)
        {
            writer.WriteString(id.KeyBlob.Span);
            writer.WriteString(id.Comment);
        }
    }
}
