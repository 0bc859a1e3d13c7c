using Hop.Ssh.Wire;

namespace Hop.Ssh.Agent.Messages;

/// <summary>
/// The contents of the <c>session-bind@openssh.com</c> extension (OpenSSH PROTOCOL.agent §1),
/// which binds an agent connection to an SSH session:
/// <code>
/// byte    SSH_AGENTC_EXTENSION (27)
/// string  "session-bind@openssh.com"
/// string  hostkey
/// string  session identifier
/// string  signature (the server's signature over the session identifier)
/// bool    is_forwarding
/// </code>
/// </summary>
public sealed record SessionBindMessage(byte[] HostKey, byte[] SessionId, byte[] Signature, bool IsForwarding)
{
    public static SessionBindMessage ReadContents(ReadOnlySpan<byte> contents)
    {
        var r = new SshReader(contents);
        byte[] hostKey = r.ReadString(AgentMessages.MaxKeyBlob).ToArray();
        byte[] sid = r.ReadString(1024).ToArray();
        byte[] sig = r.ReadString(AgentMessages.MaxKeyBlob).ToArray();
        bool fwd = r.ReadBoolean();
        r.EnsureEnd();
        return new SessionBindMessage(hostKey, sid, sig, fwd);
    }

    public ExtensionMessage ToExtension()
    {
        using var buffer = new SshBuffer();
        var w = buffer.Writer;
        w.WriteString(HostKey);
        w.WriteString(SessionId);
        w.WriteString(Signature);
        w.WriteBoolean(IsForwarding);
        return new ExtensionMessage(AgentProtocol.SessionBindExtension, buffer.ToArray());
    }
}
