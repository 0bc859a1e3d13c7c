using Hop.Ssh.Wire;

namespace Hop.Ssh.Agent.Messages;

/// <summary>
/// SSH_AGENTC_SIGN_REQUEST (RFC 9987 §3.6):
/// <code>
/// byte    SSH_AGENTC_SIGN_REQUEST (13)
/// string  key blob
/// string  data
/// uint32  flags (SSH_AGENT_RSA_SHA2_256 = 2, SSH_AGENT_RSA_SHA2_512 = 4)
/// </code>
/// </summary>
public sealed record SignRequestMessage(byte[] KeyBlob, byte[] Data, AgentSignFlags Flags) : IAgentMessage
{
    public static SignRequestMessage Read(ref SshReader reader)
    {
        AgentMessages.ExpectType(ref reader, AgentMessageType.SignRequest);
        byte[] key = reader.ReadString(AgentMessages.MaxKeyBlob).ToArray();
        byte[] data = reader.ReadString(AgentProtocol.MaxMessageLength).ToArray();
        var flags = (AgentSignFlags)reader.ReadUInt32();
        reader.EnsureEnd();
        return new SignRequestMessage(key, data, flags);
    }

    public void Write(ref SshWriter writer)
    {
        writer.WriteByte((byte)AgentMessageType.SignRequest);
        writer.WriteString(KeyBlob);
        writer.WriteString(Data);
        writer.WriteUInt32((uint)Flags);
    }
}

/// <summary>
/// SSH_AGENT_SIGN_RESPONSE (RFC 9987 §3.6):
/// <code>
/// byte    SSH_AGENT_SIGN_RESPONSE (14)
/// string  signature (itself: string algorithm, string signature bytes)
/// </code>
/// </summary>
public sealed record SignResponseMessage(byte[] Signature) : IAgentMessage
{
    public static SignResponseMessage Read(ref SshReader reader)
    {
        AgentMessages.ExpectType(ref reader, AgentMessageType.SignResponse);
        byte[] sig = reader.ReadString(AgentMessages.MaxKeyBlob).ToArray();
        reader.EnsureEnd();
        return new SignResponseMessage(sig);
    }

    public void Write(ref SshWriter writer)
    {
        writer.WriteByte((byte)AgentMessageType.SignResponse);
        writer.WriteString(Signature);
    }
}
