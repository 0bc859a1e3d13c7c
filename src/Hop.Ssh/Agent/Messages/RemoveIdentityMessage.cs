using Hop.Ssh.Wire;

namespace Hop.Ssh.Agent.Messages;

/// <summary>
/// SSH_AGENTC_REMOVE_IDENTITY (RFC 9987 §3.4):
/// <code>
/// byte    SSH_AGENTC_REMOVE_IDENTITY (18)
/// string  key blob
/// </code>
/// </summary>
public sealed record RemoveIdentityMessage(byte[] KeyBlob) : IAgentMessage
{
    public static RemoveIdentityMessage Read(ref SshReader reader)
    {
        AgentMessages.ExpectType(ref reader, AgentMessageType.RemoveIdentity);
        byte[] blob = reader.ReadString(AgentMessages.MaxKeyBlob).ToArray();
        reader.EnsureEnd();
        return new RemoveIdentityMessage(blob);
    }

    public void Write(ref SshWriter writer)
    {
        writer.WriteByte((byte)AgentMessageType.RemoveIdentity);
        writer.WriteString(KeyBlob);
    }
}
