using Hop.Ssh.Agent.Messages;
using Hop.Ssh.Keys;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Agent;

/// <summary>
/// A client of an SSH agent (OpenSSH's ssh-agent, hop agent, Windows' OpenSSH agent). One request
/// is in flight at a time; every wait is bounded by <see cref="Timeout"/>. Refusals throw
/// <see cref="SshAgentRefusedException"/> ("agent refused operation", as ssh-add says).
/// </summary>
public sealed class AgentClient : IAsyncDisposable, IDisposable
{
    private readonly Stream _stream;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Wraps a stream already connected to an agent; the client owns it.</summary>
    public AgentClient(Stream stream) => _stream = stream ?? throw new ArgumentNullException(nameof(stream));

    /// <summary>How long one request may take, reply included. Confirm-on-use keys may need the user, so the default is generous.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>How long connecting may take.</summary>
    public static TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Opens a raw stream to the agent at <paramref name="address"/> — for agent forwarding, which
    /// relays bytes without reading them.
    /// </summary>
    public static Task<Stream> ConnectAsync(string address, CancellationToken cancellationToken = default) =>
        AgentTransport.ConnectAsync(address, ConnectTimeout, cancellationToken);

    /// <summary>
    /// Connects to the agent at <paramref name="address"/>, or SSH_AUTH_SOCK (on Windows, OpenSSH's
    /// pipe) when null.
    /// </summary>
    /// <exception cref="SshAgentNotPresentException">no address given and SSH_AUTH_SOCK unset.</exception>
    /// <exception cref="SshConnectionException">the agent cannot be reached.</exception>
    public static async Task<AgentClient> OpenAsync(string? address = null, CancellationToken cancellationToken = default)
    {
        address ??= AgentTransport.DefaultAddress ?? throw new SshAgentNotPresentException();
        var stream = await ConnectAsync(address, cancellationToken).ConfigureAwait(false);
        return new AgentClient(stream);
    }

    /// <summary>SSH_AGENTC_REQUEST_IDENTITIES: the keys the agent holds.</summary>
    public async Task<IReadOnlyList<AgentIdentity>> RequestIdentitiesAsync(CancellationToken cancellationToken = default)
    {
        byte[] reply = await RequestAsync(AgentStatusMessage.RequestIdentities, cancellationToken).ConfigureAwait(false);
        ThrowIfFailure(reply);
        var r = new SshReader(reply);
        return IdentitiesAnswerMessage.Read(ref r).Identities;
    }

    /// <summary>SSH_AGENTC_SIGN_REQUEST: the signature blob (string algorithm, string signature) over <paramref name="data"/>.</summary>
    public Task<byte[]> SignAsync(SshPublicKey key, ReadOnlyMemory<byte> data, AgentSignFlags flags = AgentSignFlags.None, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SignAsync(key.Blob.ToArray(), data, flags, cancellationToken);
    }

    /// <summary>SSH_AGENTC_SIGN_REQUEST by key blob (for keys Hop does not parse, e.g. certificates).</summary>
    public async Task<byte[]> SignAsync(ReadOnlyMemory<byte> keyBlob, ReadOnlyMemory<byte> data, AgentSignFlags flags = AgentSignFlags.None, CancellationToken cancellationToken = default)
    {
        byte[] reply = await RequestAsync(new SignRequestMessage(keyBlob.ToArray(), data.ToArray(), flags), cancellationToken).ConfigureAwait(false);
        ThrowIfFailure(reply);
        var r = new SshReader(reply);
        return SignResponseMessage.Read(ref r).Signature;
    }

    /// <summary>SSH_AGENTC_ADD_IDENTITY, or ADD_ID_CONSTRAINED with a lifetime or confirm. The key stays the caller's.</summary>
    public async Task AddAsync(SshPrivateKey key, string comment, TimeSpan? lifetime = null, bool confirm = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        uint? seconds = lifetime is TimeSpan l ? (uint)Math.Clamp(Math.Ceiling(l.TotalSeconds), 0, uint.MaxValue) : null;
        var msg = new AddIdentityMessage(key, comment, new AgentKeyConstraints(seconds, confirm));
        ExpectSuccess(await RequestAsync(msg, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>SSH_AGENTC_REMOVE_IDENTITY.</summary>
    public async Task RemoveAsync(SshPublicKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await RemoveAsync(key.Blob.ToArray(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>SSH_AGENTC_REMOVE_IDENTITY by key blob.</summary>
    public async Task RemoveAsync(ReadOnlyMemory<byte> keyBlob, CancellationToken cancellationToken = default) =>
        ExpectSuccess(await RequestAsync(new RemoveIdentityMessage(keyBlob.ToArray()), cancellationToken).ConfigureAwait(false));

    /// <summary>SSH_AGENTC_REMOVE_ALL_IDENTITIES.</summary>
    public async Task RemoveAllAsync(CancellationToken cancellationToken = default) =>
        ExpectSuccess(await RequestAsync(AgentStatusMessage.RemoveAllIdentities, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// SSH_AGENTC_ADD_SMARTCARD_KEY, or ..._CONSTRAINED with a lifetime or confirm: the agent loads
    /// <paramref name="provider"/> and adds its tokens' keys, logging in with <paramref name="pin"/> (UTF-8).
    /// </summary>
    public async Task AddSmartcardKeyAsync(string provider, ReadOnlyMemory<char> pin, TimeSpan? lifetime = null, bool confirm = false, CancellationToken cancellationToken = default)
    {
        uint? seconds = lifetime is TimeSpan l ? (uint)Math.Clamp(Math.Ceiling(l.TotalSeconds), 0, uint.MaxValue) : null;
        byte[] bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(pin.Span)];
        System.Text.Encoding.UTF8.GetBytes(pin.Span, bytes);
        try
        {
            using var msg = new SmartcardKeyMessage(remove: false, provider, bytes, new AgentKeyConstraints(seconds, confirm));
            ExpectSuccess(await RequestAsync(msg, cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>SSH_AGENTC_REMOVE_SMARTCARD_KEY: the agent drops <paramref name="provider"/>'s keys and unloads it (the PIN sent is empty, as ssh-add's).</summary>
    public async Task RemoveSmartcardKeyAsync(string provider, CancellationToken cancellationToken = default)
    {
        using var msg = new SmartcardKeyMessage(remove: true, provider, []);
        ExpectSuccess(await RequestAsync(msg, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>SSH_AGENTC_LOCK with <paramref name="passphrase"/> (UTF-8).</summary>
    public Task LockAsync(ReadOnlyMemory<char> passphrase, CancellationToken cancellationToken = default) => LockAsync(false, passphrase, cancellationToken);

    /// <summary>SSH_AGENTC_UNLOCK with <paramref name="passphrase"/> (UTF-8).</summary>
    public Task UnlockAsync(ReadOnlyMemory<char> passphrase, CancellationToken cancellationToken = default) => LockAsync(true, passphrase, cancellationToken);

    private async Task LockAsync(bool unlock, ReadOnlyMemory<char> passphrase, CancellationToken cancellationToken)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(passphrase.ToArray());
        try
        {
            using var msg = new LockMessage(unlock, bytes);
            ExpectSuccess(await RequestAsync(msg, cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>
    /// SSH_AGENTC_EXTENSION: returns the reply's contents — empty for SSH_AGENT_SUCCESS, the bytes
    /// after the echoed name for SSH_AGENT_EXTENSION_RESPONSE. Failure and extension failure throw.
    /// </summary>
    public async Task<byte[]> ExtensionAsync(string name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        byte[] reply = await RequestAsync(new ExtensionMessage(name, data.ToArray()), cancellationToken).ConfigureAwait(false);
        ThrowIfFailure(reply);
        switch ((AgentMessageType)reply[0])
        {
            case AgentMessageType.Success:
                return [];
            case AgentMessageType.ExtensionResponse:
                var r = new SshReader(reply);
                return ExtensionMessage.Read(ref r).Contents;
            default:
                throw new SshProtocolException($"unexpected agent reply {reply[0]} to extension {name}");
        }
    }

    /// <summary>The <c>query</c> extension: the extensions the agent supports (empty if it does not know <c>query</c>).</summary>
    public async Task<IReadOnlyList<string>> QueryExtensionsAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return QueryExtension.ReadNames(await ExtensionAsync(AgentProtocol.QueryExtension, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false));
        }
        catch (SshAgentRefusedException)
        {
            return [];
        }
    }

    /// <summary>
    /// session-bind@openssh.com: binds this connection to an SSH session — the host key blob, the
    /// exchange hash, the server's signature over it from the first key exchange, and whether the
    /// connection is forwarded.
    /// </summary>
    public Task SessionBindAsync(ReadOnlyMemory<byte> hostKey, ReadOnlyMemory<byte> sessionId, ReadOnlyMemory<byte> signature, bool isForwarding, CancellationToken cancellationToken = default)
    {
        var bind = new SessionBindMessage(hostKey.ToArray(), sessionId.ToArray(), signature.ToArray(), isForwarding).ToExtension();
        return ExtensionAsync(bind.Name, bind.Contents, cancellationToken);
    }

    private async Task<byte[]> RequestAsync<T>(T message, CancellationToken cancellationToken) where T : IAgentMessage
    {
        using var body = AgentFraming.Build(message);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(Timeout);
            try
            {
                await AgentFraming.WriteAsync(_stream, body.WrittenMemory, cts.Token).ConfigureAwait(false);
                return await AgentFraming.ReadAsync(_stream, cts.Token).ConfigureAwait(false)
                    ?? throw new SshConnectionException("communication with agent failed");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new SshConnectionException("timed out waiting for the agent");
            }
            catch (IOException e)
            {
                throw new SshConnectionException("communication with agent failed", e);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private static void ThrowIfFailure(byte[] reply)
    {
        switch ((AgentMessageType)reply[0])
        {
            case AgentMessageType.Failure:
                throw new SshAgentRefusedException();
            case AgentMessageType.ExtensionFailure:
                throw new SshAgentRefusedException("agent extension failed");
        }
    }

    private static void ExpectSuccess(byte[] reply)
    {
        ThrowIfFailure(reply);
        if ((AgentMessageType)reply[0] != AgentMessageType.Success) throw new SshProtocolException($"unexpected agent reply {reply[0]}");
    }

    public ValueTask DisposeAsync()
    {
        _gate.Dispose();
        return _stream.DisposeAsync();
    }

    public void Dispose()
    {
        _gate.Dispose();
        _stream.Dispose();
    }
}

/// <summary>The agent answered SSH_AGENT_FAILURE.</summary>
public sealed class SshAgentRefusedException : SshException
{
    public SshAgentRefusedException() : base("agent refused operation") { }
    public SshAgentRefusedException(string message) : base(message) { }
    public SshAgentRefusedException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>No agent is configured (SSH_AUTH_SOCK unset).</summary>
public sealed class SshAgentNotPresentException : SshConnectionException
{
    public SshAgentNotPresentException() : base("Could not open a connection to your authentication agent.") { }
    public SshAgentNotPresentException(string message) : base(message) { }
    public SshAgentNotPresentException(string message, Exception inner) : base(message, inner) { }
}
