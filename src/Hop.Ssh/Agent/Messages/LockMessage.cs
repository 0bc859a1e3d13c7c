using System.Security.Cryptography;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Agent.Messages;

/// <summary>
/// SSH_AGENTC_LOCK and SSH_AGENTC_UNLOCK (RFC 9987 §3.7). The passphrase is a secret: dispose the
/// message to zero it.
/// <code>
/// byte    SSH_AGENTC_LOCK (22) or SSH_AGENTC_UNLOCK (23)
/// string  passphrase
/// </code>
/// </summary>
public sealed class LockMessage : IAgentMessage, IDisposable
{
    private readonly byte[] _passphrase;

    public LockMessage(bool unlock, ReadOnlySpan<byte> passphrase)
    {
        Unlock = unlock;
        _passphrase = passphrase.ToArray();
    }

    /// <summary>True for SSH_AGENTC_UNLOCK, false for SSH_AGENTC_LOCK.</summary>
    public bool Unlock { get; }

    public ReadOnlySpan<byte> Passphrase => _passphrase;

    public static LockMessage Read(ref SshReader reader)
    {
        var type = (AgentMessageType)reader.ReadByte();
        if (type is not (AgentMessageType.Lock or AgentMessageType.Unlock)) throw new SshProtocolException($"expected a lock message, got {type}");
        var pass = reader.ReadString(AgentProtocol.MaxMessageLength);
        reader.EnsureEnd();
        return new LockMessage(type == AgentMessageType.Unlock, pass);
    }

    public void Write(ref SshWriter writer)
    {
        writer.WriteByte((byte)(Unlock ? AgentMessageType.Unlock : AgentMessageType.Lock));
        writer.WriteString(_passphrase);
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_passphrase);

    public override string ToString() => Unlock ? "SSH_AGENTC_UNLOCK" : "SSH_AGENTC_LOCK";
}
