using Hop.Ssh.Agent.Messages;
using Hop.Ssh.Keys;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Agent;

public sealed partial class AgentServer
{
    private async Task<SshBuffer> SignAsync(AgentSession session, byte[] request, CancellationToken cancellationToken)
    {
        var r = new SshReader(request);
        var msg = SignRequestMessage.Read(ref r);
        if (session.BindAttempted && session.Bindings.Count == 0)
        {
            // OpenSSH refuses to sign on a connection whose session binding failed.
            Log?.Invoke($"debug1: connection {session.Id}: previous session bind failed on socket");
            return Status(false);
        }
        var entry = Store.Find(msg.KeyBlob);
        if (entry is null)
        {
            Log?.Invoke("debug1: sign: key not found");
            return Status(false);
        }
        if (entry.Confirm)
        {
            string prompt = $"Allow use of key {entry.Comment}?\nKey fingerprint {entry.PublicKey.Fingerprint()}.";
            bool allowed = _confirmation is not null && await _confirmation.ConfirmAsync(prompt, cancellationToken).ConfigureAwait(false);
            if (!allowed)
            {
                Log?.Invoke($"debug1: sign: user refused key {entry.PublicKey.Fingerprint()}");
                return Status(false);
            }
        }
        string? alg = AgentProtocol.SignatureAlgorithm(entry.PublicKey.KeyType, msg.Flags);
        byte[]? sig = await entry.SignAsync(msg.Data, alg, cancellationToken).ConfigureAwait(false);
        if (sig is null)
        {
            Log?.Invoke($"debug1: sign: {entry.PublicKey.KeyType} {entry.PublicKey.Fingerprint()} failed");
            return Status(false);
        }
        Log?.Invoke($"debug1: sign: {entry.PublicKey.KeyType} {entry.PublicKey.Fingerprint()} {alg ?? entry.PublicKey.KeyType}");
        return AgentFraming.Build(new SignResponseMessage(sig));
    }

    private SshBuffer Extension(AgentSession session, byte[] request)
    {
        var r = new SshReader(request);
        var msg = ExtensionMessage.Read(ref r);
        Log?.Invoke($"debug1: extension {msg.Name}");
        switch (msg.Name)
        {
            case AgentProtocol.QueryExtension:
                return AgentFraming.Build(QueryExtension.Response([AgentProtocol.QueryExtension, AgentProtocol.SessionBindExtension]));
            case AgentProtocol.SessionBindExtension:
                return Status(SessionBind(session, msg.Contents));
            default:
                // OpenSSH answers an extension it does not know with a plain failure.
                Log?.Invoke($"debug1: unsupported extension \"{msg.Name}\"");
                return Status(false);
        }
    }

    /// <summary>OpenSSH's process_ext_session_bind: verify, refuse duplicates and rebinding an auth connection, record.</summary>
    private bool SessionBind(AgentSession session, byte[] contents)
    {
        session.BindAttempted = true;
        SessionBindMessage bind;
        SshPublicKey hostKey;
        try
        {
            bind = SessionBindMessage.ReadContents(contents);
            hostKey = SshPublicKey.FromBlob(bind.HostKey);
        }
        catch (SshException e)
        {
            Log?.Invoke($"debug1: session-bind: {e.Message}");
            return false;
        }
        if (!hostKey.Verify(bind.SessionId, bind.Signature))
        {
            Log?.Invoke($"debug1: session-bind: signature by {hostKey.KeyType} {hostKey.Fingerprint()} does not verify");
            return false;
        }
        foreach (var b in session.Bindings)
        {
            if (!b.IsForwarding)
            {
                Log?.Invoke("debug1: session-bind: attempt to bind session ID to socket previously bound for authentication attempt");
                return false;
            }
            bool sidMatch = b.SessionId.AsSpan().SequenceEqual(bind.SessionId);
            bool keyMatch = b.HostKey.Equals(hostKey);
            if (sidMatch && keyMatch) return true;
            if (sidMatch)
            {
                Log?.Invoke("debug1: session-bind: session ID recorded against a different key");
                return false;
            }
        }
        if (session.Bindings.Count >= AgentSession.MaxBindings)
        {
            Log?.Invoke("debug1: session-bind: too many session IDs recorded");
            return false;
        }
        session.Bindings.Add(new AgentSessionBinding(hostKey, bind.SessionId, bind.IsForwarding));
        Log?.Invoke($"debug1: session-bind: recorded {hostKey.KeyType} {hostKey.Fingerprint()} ({(bind.IsForwarding ? "forwarding" : "authentication")})");
        return true;
    }
}

/// <summary>The per-connection state: the session bindings received (OpenSSH's SocketEntry).</summary>
public sealed class AgentSession
{
    /// <summary>OpenSSH's AGENT_MAX_SESSION_IDS.</summary>
    public const int MaxBindings = 16;

    public AgentSession(int id) => Id = id;

    public int Id { get; }
    public bool BindAttempted { get; set; }
    public List<AgentSessionBinding> Bindings { get; } = [];
}

/// <summary>One session-bind@openssh.com record.</summary>
public sealed record AgentSessionBinding(SshPublicKey HostKey, byte[] SessionId, bool IsForwarding);
