using System.Security.Cryptography;
using Hop.Ssh.Agent.Messages;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Agent;

/// <summary>
/// Serves the agent protocol over any stream: one message at a time per connection, many
/// connections at once. Malformed requests get SSH_AGENT_FAILURE and the connection goes on;
/// oversized or truncated frames close that connection only.
/// </summary>
public sealed partial class AgentServer
{
    private readonly AgentLockState _lock = new();
    private readonly IAgentConfirmation? _confirmation;
    private int _nextConnection;

    /// <param name="store">The keys; the server does not dispose it (its owner does, which zeroes them).</param>
    /// <param name="confirmation">Asks the user for keys added with confirm; null refuses those signatures.</param>
    public AgentServer(AgentKeyStore store, IAgentConfirmation? confirmation = null)
    {
        Store = store;
        _confirmation = confirmation;
    }

    public AgentKeyStore Store { get; }

    /// <summary>Debug notes (ssh-agent -d): message types, fingerprints, refusals. Never key material.</summary>
    public Action<string>? Log { get; init; }

    public bool IsLocked => _lock.IsLocked;

    /// <summary>Accepts connections until cancelled and serves each on its own task.</summary>
    public async Task RunAsync(IAgentListener listener, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listener);
        var tasks = new List<Task>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                IAgentConnection conn;
                try
                {
                    conn = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                catch (System.Net.Sockets.SocketException e)
                {
                    // Out of descriptors or a client gone before accept: keep serving the others.
                    Log?.Invoke($"debug1: accept: {e.Message}");
                    await Task.Delay(100, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                tasks.RemoveAll(t => t.IsCompleted);
                tasks.Add(ServeAndCloseAsync(conn, cancellationToken));
            }
        }
        finally
        {
            try { await Task.WhenAll(tasks).ConfigureAwait(false); }
            catch (OperationCanceledException) { }
        }
    }

    private async Task ServeAndCloseAsync(IAgentConnection conn, CancellationToken cancellationToken)
    {
        await using (conn.ConfigureAwait(false))
        {
            await ServeAsync(conn.Stream, conn.Description, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Serves one connection until its peer closes it, breaks the framing, or cancellation.</summary>
    public async Task ServeAsync(Stream stream, string? peer = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        int id = Interlocked.Increment(ref _nextConnection);
        var session = new AgentSession(id);
        Log?.Invoke($"debug1: connection {id} from {peer ?? "a stream"}");
        try
        {
            while (true)
            {
                byte[]? request = await AgentFraming.ReadAsync(stream, cancellationToken).ConfigureAwait(false);
                if (request is null) break;
                try
                {
                    using var reply = await HandleAsync(session, request, cancellationToken).ConfigureAwait(false);
                    await AgentFraming.WriteAsync(stream, reply.WrittenMemory, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(request);
                }
            }
        }
        catch (SshProtocolException e)
        {
            Log?.Invoke($"debug1: connection {id}: {e.Message}; closing");
        }
        catch (IOException e)
        {
            Log?.Invoke($"debug1: connection {id}: {e.Message}");
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        Log?.Invoke($"debug1: connection {id} closed");
    }

    /// <summary>Handles one request body (type byte first) and returns the reply body.</summary>
    public async Task<SshBuffer> HandleAsync(AgentSession session, byte[] request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(request);
        var type = (AgentMessageType)request[0];
        Log?.Invoke($"debug2: connection {session.Id}: request type {(byte)type} ({TypeName(type)})");
        if (_lock.IsLocked && type != AgentMessageType.Unlock)
        {
            // A locked agent lists no keys and refuses everything else (OpenSSH process_message).
            return type == AgentMessageType.RequestIdentities
                ? AgentFraming.Build(new IdentitiesAnswerMessage([]))
                : Status(false);
        }
        try
        {
            return type switch
            {
                AgentMessageType.RequestIdentities => RequestIdentities(request),
                AgentMessageType.SignRequest => await SignAsync(session, request, cancellationToken).ConfigureAwait(false),
                AgentMessageType.AddIdentity or AgentMessageType.AddIdConstrained => Status(Add(request)),
                AgentMessageType.RemoveIdentity => Status(Remove(request)),
                AgentMessageType.RemoveAllIdentities => Status(RemoveAll(request)),
                AgentMessageType.Lock or AgentMessageType.Unlock => Status(await LockAsync(request, cancellationToken).ConfigureAwait(false)),
                AgentMessageType.Extension => Extension(session, request),
                AgentMessageType.AddSmartcardKey or AgentMessageType.AddSmartcardKeyConstrained => Status(AddSmartcardKey(request)),
                AgentMessageType.RemoveSmartcardKey => Status(RemoveSmartcardKey(request)),
                _ => Unknown(type),
            };
        }
        catch (Exception e) when (e is SshException or CryptographicException or ArgumentException or FormatException or InvalidOperationException)
        {
            // A request the agent cannot use is refused; the connection and the agent go on.
            Log?.Invoke($"debug1: connection {session.Id}: bad {TypeName(type)}: {e.Message}");
            return Status(false);
        }
    }

    private SshBuffer Unknown(AgentMessageType type)
    {
        Log?.Invoke($"debug1: unsupported request type {(byte)type}");
        return Status(false);
    }

    internal static SshBuffer Status(bool success) => AgentFraming.Build(success ? AgentStatusMessage.Success : AgentStatusMessage.Failure);

    private SshBuffer RequestIdentities(byte[] request)
    {
        var r = new SshReader(request);
        AgentStatusMessage.Read(ref r);
        var list = Store.List();
        Log?.Invoke($"debug1: identities: {list.Count}");
        return AgentFraming.Build(new IdentitiesAnswerMessage(list));
    }

    private bool Add(byte[] request)
    {
        var r = new SshReader(request);
        var msg = AddIdentityMessage.Read(ref r);
        uint? seconds = msg.Constraints.LifetimeSeconds;
        Store.Add(msg.Key, msg.Comment, seconds is uint s ? TimeSpan.FromSeconds(s) : null, msg.Constraints.Confirm);
        Log?.Invoke($"debug1: add {msg.Key.PublicKey.KeyType} {msg.Key.PublicKey.Fingerprint()} {msg.Comment}"
            + (seconds is uint life ? $" (lifetime {life}s)" : "") + (msg.Constraints.Confirm ? " (confirm)" : ""));
        return true;
    }

    private bool Remove(byte[] request)
    {
        var r = new SshReader(request);
        var msg = RemoveIdentityMessage.Read(ref r);
        bool ok = Store.Remove(msg.KeyBlob);
        Log?.Invoke(ok ? "debug1: removed a key" : "debug1: remove: key not found");
        return ok;
    }

    private bool RemoveAll(byte[] request)
    {
        var r = new SshReader(request);
        AgentStatusMessage.Read(ref r);
        int n = Store.RemoveAll();
        Log?.Invoke($"debug1: removed all {n} keys");
        return true;
    }

    private async Task<bool> LockAsync(byte[] request, CancellationToken cancellationToken)
    {
        var r = new SshReader(request);
        using var msg = LockMessage.Read(ref r);
        if (!msg.Unlock)
        {
            bool locked = _lock.Lock(msg.Passphrase);
            Log?.Invoke(locked ? "debug1: agent locked" : "debug1: lock refused: already locked");
            return locked;
        }
        bool ok = _lock.Unlock(msg.Passphrase, out var penalty);
        Log?.Invoke(ok ? "debug1: agent unlocked" : "debug1: unlock refused");
        if (penalty > TimeSpan.Zero) await Task.Delay(penalty, cancellationToken).ConfigureAwait(false);
        return ok;
    }

    private static string TypeName(AgentMessageType type) =>
        Enum.IsDefined(type) ? type.ToString() : "unknown";
}
