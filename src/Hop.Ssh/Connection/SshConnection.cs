using System.Buffers.Binary;
using System.Collections.Concurrent;
using Hop.Ssh.Connection.Messages;
using Hop.Ssh.Transport;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Connection;

/// <summary>
/// The connection protocol (RFC 4254) over an authenticated <see cref="IPacketConnection"/>: one
/// receive loop dispatches every message to its channel or waiter; channels are opened with
/// <see cref="OpenSessionAsync"/> and friends; channels the peer opens go to the handler registered
/// for their type (<see cref="SetChannelOpenHandler"/>) or are refused. When the connection fails,
/// every channel and waiter fails with the same <see cref="SshConnectionException"/>.
/// </summary>
public sealed partial class SshConnection : IAsyncDisposable
{
    /// <summary>SSH_DISCONNECT_PROTOCOL_ERROR (RFC 4253 §11.1).</summary>
    private const uint DisconnectProtocolError = 2;

    /// <summary>SSH_DISCONNECT_BY_APPLICATION (RFC 4253 §11.1).</summary>
    private const uint DisconnectByApplication = 11;

    private readonly IPacketConnection _packets;
    private readonly ConcurrentDictionary<uint, SshChannel> _channels = new();
    private readonly ConcurrentDictionary<string, Func<IncomingChannelOpen, Task>> _openHandlers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Func<ReadOnlyMemory<byte>, bool>> _globalHandlers = new(StringComparer.Ordinal);
    private readonly Lock _channelIdLock = new();
    private readonly Lock _globalLock = new();
    private readonly Queue<TaskCompletionSource<GlobalRequestReply>> _pendingGlobalRequests = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private uint _nextChannelId;
    private Exception? _failure;
    private Task? _receiveLoop;
    private Task? _keepaliveLoop;
    private int _disposed;

    /// <param name="packets">An authenticated transport; the connection owns it from here and disposes it.</param>
    /// <summary>True when the transport calls <see cref="FlushDeliveries"/> before each socket read.</summary>
    private readonly bool _flushesBeforeRead;

    public SshConnection(IPacketConnection packets, SshConnectionOptions? options = null)
    {
        _packets = packets;
        Options = options ?? new SshConnectionOptions();
        if (Options.InitialWindowSize < 1024 || Options.MaximumPacketSize < 1024)
        {
            throw new ArgumentException("window and packet sizes must be at least 1024 bytes", nameof(options));
        }
        TaskFaults.Observe(_completion.Task);
        // Readers get received data when the transport runs out of packets and turns to the
        // socket: one consumer wake-up (one stdout write) per socket read, not per packet, and the
        // read after it more often finds data waiting instead of parking the loop.
        if (packets is SshTransport transport)
        {
            transport.BeforeSocketRead = FlushDeliveries;
            _flushesBeforeRead = true;
        }
    }

    public SshConnectionOptions Options { get; }

    /// <summary>Faults with the reason when the connection ends (dropped, protocol error, keepalive timeout, disposed).</summary>
    public Task Completion => _completion.Task;

    /// <summary>The number of channels open or opening.</summary>
    public int ChannelCount => _channels.Count;

    /// <summary>The channels open or opening, by channel number (a snapshot).</summary>
    public IReadOnlyList<SshChannel> Channels => [.. _channels.Values.OrderBy(c => c.LocalChannelId)];

    /// <summary>Starts the receive loop (and the keepalive timer when ServerAliveInterval is set).</summary>
    public void Start()
    {
        if (_receiveLoop is not null) throw new InvalidOperationException("already started");
        (_packets as SshTransport)?.ContinueReceivesOnReadThread();
        _receiveLoop = Task.Run(ReceiveLoopAsync);
        if (Options.ServerAliveInterval > TimeSpan.Zero) _keepaliveLoop = Task.Run(KeepaliveLoopAsync);
    }

    /// <summary>Opens a "session" channel.</summary>
    public Task<SessionChannel> OpenSessionAsync(CancellationToken cancellationToken = default)
        => OpenAsync(id => new SessionChannel(this, id), null, cancellationToken);

    /// <summary>
    /// Opens a "session" channel whose stdout and stderr go straight to <paramref name="sinks"/>
    /// (written on the receive thread, see <see cref="IChannelDataSink"/>) instead of pipes to read.
    /// </summary>
    public Task<SessionChannel> OpenSessionAsync(ChannelSinks sinks, CancellationToken cancellationToken = default)
        => OpenAsync(id => new SessionChannel(this, id, sinks), null, cancellationToken);

    /// <summary>Opens a "direct-tcpip" channel to host:port, saying it comes from originator address:port (-L, -D, -W, -J).</summary>
    public Task<DirectTcpipChannel> OpenDirectTcpipAsync(string host, uint port, string originatorAddress, uint originatorPort, CancellationToken cancellationToken = default)
        => OpenDirectTcpipAsync(host, port, originatorAddress, originatorPort, null, cancellationToken);

    /// <summary>Opens a "direct-tcpip" channel whose inbound data goes straight to <paramref name="sinks"/> (a forwarded socket).</summary>
    public Task<DirectTcpipChannel> OpenDirectTcpipAsync(string host, uint port, string originatorAddress, uint originatorPort, ChannelSinks? sinks, CancellationToken cancellationToken = default)
    {
        var details = new TcpipChannelOpenDetails { Host = host, Port = port, OriginatorAddress = originatorAddress, OriginatorPort = originatorPort };
        return OpenAsync(id => new DirectTcpipChannel(this, id, details, sinks), details, cancellationToken);
    }

    /// <summary>
    /// Opens a "tun@openssh.com" channel (ssh -w): the server attaches a tun or tap device of its own
    /// (<paramref name="details"/>: the mode and unit). Each packet the server sends is handed whole to
    /// <paramref name="onPacket"/> on the receive thread; send with <see cref="TunChannel.WritePacket"/>.
    /// </summary>
    public Task<TunChannel> OpenTunAsync(TunChannelOpenDetails details, Action<ReadOnlySpan<byte>> onPacket, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(details);
        ArgumentNullException.ThrowIfNull(onPacket);
        return OpenAsync(id => new TunChannel(this, id, details, onPacket), details, cancellationToken);
    }

    /// <summary>Opens a channel of any type (e.g. direct-streamlocal@openssh.com) with its type-specific data.</summary>
    public Task<SshChannel> OpenChannelAsync(string channelType, ChannelOpenDetails? details, CancellationToken cancellationToken = default)
        => OpenChannelAsync(channelType, details, null, cancellationToken);

    /// <summary>Opens a channel of any type whose inbound data goes straight to <paramref name="sinks"/>.</summary>
    public Task<SshChannel> OpenChannelAsync(string channelType, ChannelOpenDetails? details, ChannelSinks? sinks, CancellationToken cancellationToken = default)
        => OpenAsync(id => new SshChannel(this, id, channelType, sinks), details, cancellationToken);

    /// <summary>
    /// Registers the handler for channels of <paramref name="channelType"/> the peer opens (x11,
    /// forwarded-tcpip, auth-agent@openssh.com, ...); null removes it. The handler runs off the
    /// receive loop and must accept or reject the <see cref="IncomingChannelOpen"/>; one that returns
    /// without deciding, or throws, has the channel refused.
    /// </summary>
    public void SetChannelOpenHandler(string channelType, Func<IncomingChannelOpen, Task>? handler)
    {
        if (handler is null) _openHandlers.TryRemove(channelType, out _);
        else _openHandlers[channelType] = handler;
    }

    /// <summary>
    /// Registers the handler for global requests named <paramref name="requestName"/> the peer sends (such as
    /// hostkeys-00@openssh.com); null removes it. The handler runs on the receive loop with the request-specific data,
    /// must not block, and returns whether the request succeeded (sent back when the peer wants a reply).
    /// </summary>
    public void SetGlobalRequestHandler(string requestName, Func<ReadOnlyMemory<byte>, bool>? handler)
    {
        if (handler is null) _globalHandlers.TryRemove(requestName, out _);
        else _globalHandlers[requestName] = handler;
    }

    /// <summary>
    /// Sends a global request. With <paramref name="wantReply"/> the task gives the peer's answer;
    /// without, it completes with success once sent.
    /// </summary>
    public async Task<GlobalRequestReply> SendGlobalRequestAsync(string requestName, ReadOnlyMemory<byte> requestData, bool wantReply, CancellationToken cancellationToken = default)
    {
        ThrowIfFailed();
        var message = new GlobalRequestMessage { RequestName = requestName, WantReply = wantReply, RequestData = requestData };
        using var buffer = new SshBuffer();
        var writer = buffer.Writer;
        message.Write(ref writer);
        if (!wantReply)
        {
            await SendAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            return new GlobalRequestReply(true, ReadOnlyMemory<byte>.Empty);
        }
        var reply = new TaskCompletionSource<GlobalRequestReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        ValueTask sending;
        lock (_globalLock)
        {
            // Replies come in request order: queue and start the send under one lock.
            if (_failure is not null) throw FailureException();
            _pendingGlobalRequests.Enqueue(reply);
            sending = SendAsync(buffer.WrittenMemory, cancellationToken);
        }
        await sending.ConfigureAwait(false);
        return await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// "tcpip-forward" (-R): asks the server to listen on address:port; returns the port bound
    /// (the one the server chose when <paramref name="port"/> is 0).
    /// </summary>
    public async Task<uint> RequestTcpipForwardAsync(string address, uint port, CancellationToken cancellationToken = default)
    {
        var reply = await SendGlobalRequestAsync(GlobalRequestMessage.TcpipForward, EncodeForward(address, port), true, cancellationToken).ConfigureAwait(false);
        if (!reply.Success) throw new SshException($"remote port forwarding failed for listen port {port}");
        if (port != 0) return port;
        var r = new SshReader(reply.ResponseData.Span);
        uint bound = r.ReadUInt32();
        r.EnsureEnd();
        return bound;
    }

    /// <summary>"cancel-tcpip-forward": stops a remote forward.</summary>
    public async Task CancelTcpipForwardAsync(string address, uint port, CancellationToken cancellationToken = default)
    {
        var reply = await SendGlobalRequestAsync(GlobalRequestMessage.CancelTcpipForward, EncodeForward(address, port), true, cancellationToken).ConfigureAwait(false);
        if (!reply.Success) throw new SshException($"cancelling remote forward for port {port} failed");
    }

    /// <summary>"streamlocal-forward@openssh.com" (-R with a Unix socket path on the server).</summary>
    public async Task RequestStreamlocalForwardAsync(string socketPath, CancellationToken cancellationToken = default)
    {
        var reply = await SendGlobalRequestAsync(GlobalRequestMessage.StreamlocalForward, EncodeStreamlocal(socketPath), true, cancellationToken).ConfigureAwait(false);
        if (!reply.Success) throw new SshException($"remote port forwarding failed for listen path {socketPath}");
    }

    /// <summary>"cancel-streamlocal-forward@openssh.com".</summary>
    public async Task CancelStreamlocalForwardAsync(string socketPath, CancellationToken cancellationToken = default)
    {
        var reply = await SendGlobalRequestAsync(GlobalRequestMessage.CancelStreamlocalForward, EncodeStreamlocal(socketPath), true, cancellationToken).ConfigureAwait(false);
        if (!reply.Success) throw new SshException($"cancelling remote forward for path {socketPath} failed");
    }

    /// <summary>Sends DISCONNECT (by application) and ends the connection; every channel fails.</summary>
    public async Task DisconnectAsync(string description = "disconnected by user", CancellationToken cancellationToken = default)
    {
        if (Fail(new SshConnectionException("connection closed")))
        {
            try
            {
                await _packets.DisconnectAsync(DisconnectByApplication, description, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SshException or IOException or ObjectDisposedException or OperationCanceledException)
            {
                // Already gone.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await DisconnectAsync().ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            if (_receiveLoop is not null) await _receiveLoop.ConfigureAwait(false);
            if (_keepaliveLoop is not null) await _keepaliveLoop.ConfigureAwait(false);
        }
        finally
        {
            await _packets.DisposeAsync().ConfigureAwait(false);
            _stopping.Dispose();
        }
    }

    /// <summary>The data of tcpip-forward and cancel-tcpip-forward.</summary>
    internal static byte[] EncodeForward(string address, uint port)
    {
        using var buffer = new SshBuffer();
        var writer = buffer.Writer;
        new TcpipForwardRequest(address, port).Write(ref writer);
        return buffer.ToArray();
    }

    private static byte[] EncodeStreamlocal(string socketPath)
    {
        using var buffer = new SshBuffer();
        var writer = buffer.Writer;
        new StreamlocalForwardRequest(socketPath).Write(ref writer);
        return buffer.ToArray();
    }

    private async Task<T> OpenAsync<T>(Func<uint, T> create, ChannelOpenDetails? details, CancellationToken cancellationToken) where T : SshChannel
    {
        ThrowIfFailed();
        T channel = Register(create);
        var message = new ChannelOpenMessage
        {
            ChannelType = channel.ChannelType,
            SenderChannel = channel.LocalChannelId,
            InitialWindowSize = Options.InitialWindowSize,
            MaximumPacketSize = Options.MaximumPacketSize,
            Details = details,
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.ChannelOpenTimeout);
        try
        {
            using (var buffer = new SshBuffer())
            {
                var writer = buffer.Writer;
                message.Write(ref writer);
                await SendAsync(buffer.WrittenMemory, timeout.Token).ConfigureAwait(false);
            }
            await channel.WaitOpenedAsync(timeout.Token).ConfigureAwait(false);
            return channel;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            channel.Abandon();
            throw new SshChannelException($"{channel.Name}: open timed out after {Options.ChannelOpenTimeout.TotalSeconds:0} s");
        }
        catch (OperationCanceledException)
        {
            channel.Abandon();
            throw;
        }
    }

    /// <summary>Allocates the next free channel number and registers the channel.</summary>
    internal T Register<T>(Func<uint, T> create) where T : SshChannel
    {
        lock (_channelIdLock)
        {
            T channel = create(TakeFreeChannelIdLocked());
            _channels[channel.LocalChannelId] = channel;
            if (_failure is not null)
            {
                _channels.TryRemove(channel.LocalChannelId, out _);
                throw FailureException();
            }
            return channel;
        }
    }

    internal void RemoveChannel(SshChannel channel) => _channels.TryRemove(new(channel.LocalChannelId, channel));

    /// <summary>Sends one message; errors become <see cref="SshConnectionException"/>.</summary>
    internal ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        => SendAsync(payload, flush: true, cancellationToken);

    /// <summary>
    /// Sends one message; with <paramref name="flush"/> false our transport may hold it back to
    /// write it with the next (see <see cref="SshTransport.SendAsync(ReadOnlyMemory{byte}, bool, CancellationToken)"/>).
    /// </summary>
    internal ValueTask SendAsync(ReadOnlyMemory<byte> payload, bool flush, CancellationToken cancellationToken)
        => SendAsync(payload, ReadOnlyMemory<byte>.Empty, flush, cancellationToken);

    /// <summary>
    /// Sends one message whose payload is <paramref name="head"/> then <paramref name="body"/>
    /// (a channel's DATA header and the caller's bytes): our transport copies both once, into the
    /// packet; another packet connection gets them joined.
    /// </summary>
    internal ValueTask SendAsync(ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> body, bool flush, CancellationToken cancellationToken)
    {
        if (_failure is not null) return ValueTask.FromException(FailureException());
        ValueTask pending;
        try
        {
            pending = _packets is SshTransport transport
                ? transport.SendAsync(head, body, flush, cancellationToken)
                : _packets.SendAsync(body.IsEmpty ? head : Join(head.Span, body.Span), cancellationToken);
        }
        catch (Exception e) when (e is not (SshException or OperationCanceledException))
        {
            return ValueTask.FromException(new SshConnectionException($"connection lost: {e.Message}", e));
        }
        return pending.IsCompletedSuccessfully ? default : AwaitSend(pending);
    }

    private static byte[] Join(ReadOnlySpan<byte> head, ReadOnlySpan<byte> body)
    {
        var joined = new byte[head.Length + body.Length];
        head.CopyTo(joined);
        body.CopyTo(joined.AsSpan(head.Length));
        return joined;
    }

    /// <summary>Writes what <see cref="SendAsync(ReadOnlyMemory{byte}, bool, CancellationToken)"/> held back.</summary>
    internal ValueTask FlushSendsAsync(CancellationToken cancellationToken)
    {
        if (_packets is not SshTransport transport || _failure is not null) return default;
        var pending = transport.FlushAsync(cancellationToken);
        return pending.IsCompletedSuccessfully ? default : AwaitSend(pending);
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask AwaitSend(ValueTask pending)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (SshException or OperationCanceledException))
        {
            throw new SshConnectionException($"connection lost: {e.Message}", e);
        }
    }

    /// <summary>Sends a message nobody waits on (replies, WINDOW_ADJUST); order is kept by the transport.</summary>
    internal void SendInBackground(byte[] payload) => ChannelBackground.Run(SendAsync(payload, CancellationToken.None));

    internal Exception FailureException()
    {
        var failure = _failure;
        return failure switch
        {
            null => new SshConnectionException("connection closed"),
            SshConnectionException c => c,
            _ => new SshConnectionException(failure.Message, failure),
        };
    }

    private void ThrowIfFailed()
    {
        if (_failure is not null) throw FailureException();
        if (_receiveLoop is null) throw new InvalidOperationException("call Start() first");
    }

    /// <summary>Ends the connection once: every channel and waiter gets <paramref name="error"/>. False if it had ended already.</summary>
    private bool Fail(Exception error)
    {
        if (Interlocked.CompareExchange(ref _failure, error, null) is not null) return false;
        foreach (var channel in _channels.Values) channel.Fail(error);
        _channels.Clear();
        lock (_globalLock)
        {
            while (_pendingGlobalRequests.TryDequeue(out var waiter)) waiter.TrySetException(error);
        }
        _stopping.Cancel();
        _completion.TrySetException(error);
        return true;
    }
}

/// <summary>The answer to a global request: REQUEST_SUCCESS with its data, or REQUEST_FAILURE.</summary>
public readonly record struct GlobalRequestReply(bool Success, ReadOnlyMemory<byte> ResponseData);
