using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using Hop.Ssh.Client;
using Hop.Ssh.Connection;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Sftp;

/// <summary>
/// An SFTP version 3 client (draft-ietf-secsh-filexfer-02, as OpenSSH speaks it) over a "sftp"
/// subsystem channel or any duplex stream. Requests may be issued from many tasks at once: each
/// gets a fresh request id, and one receive loop hands every reply to the request with that id.
/// Transfers keep many READs or WRITEs in flight (<see cref="DownloadAsync"/>, <see cref="UploadAsync"/>).
/// </summary>
public sealed partial class SftpClient : IAsyncDisposable
{
    private readonly PipeReader _input;
    private readonly Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> _send;
    private readonly Action<ReadOnlyMemory<byte>, CancellationToken> _sendBlocking;
    private readonly Func<ValueTask> _close;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ConcurrentDictionary<uint, SftpPending> _pending = new();
    private readonly TaskCompletionSource<SftpVersion> _version = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private Task _receiveLoop = Task.CompletedTask;
    private volatile Exception? _failure;
    private int _nextId;
    private int _disposed;

    private SftpClient(PipeReader input, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> send,
        Action<ReadOnlyMemory<byte>, CancellationToken> sendBlocking, Func<ValueTask> close)
    {
        _input = input;
        _send = send;
        _sendBlocking = sendBlocking;
        _close = close;
    }

    /// <summary>The protocol version the server answered (3 for OpenSSH).</summary>
    public uint ServerVersion { get; private set; }

    /// <summary>The extensions the server announced in VERSION, by name (e.g. "posix-rename@openssh.com" → "1").</summary>
    public IReadOnlyDictionary<string, string> Extensions { get; private set; } = new Dictionary<string, string>();

    /// <summary>The largest READ we ask for.</summary>
    public int ReadChunkSize { get; private set; } = SftpLimitsDefaults.FallbackChunk;

    /// <summary>The largest WRITE we send.</summary>
    public int WriteChunkSize { get; private set; } = SftpLimitsDefaults.FallbackChunk;

    /// <summary>
    /// How many READs or WRITEs one transfer keeps in flight (sftp -R). By default enough for about
    /// 4 MiB in flight — twice the channel window, so the pipe never runs dry — and at most 64
    /// (OpenSSH: 64 × 32 KiB). More only costs memory: the window bounds what is really moving.
    /// </summary>
    public int MaxOutstandingRequests
    {
        get => _maxOutstanding ?? Math.Clamp(4 * 1024 * 1024 / Math.Max(ReadChunkSize, WriteChunkSize), 2, 64);
        set => _maxOutstanding = Math.Max(1, value);
    }

    private int? _maxOutstanding;

    /// <summary>Opens a session channel on <paramref name="client"/>, starts the "sftp" subsystem and says hello.</summary>
    public static async Task<SftpClient> OpenAsync(SshClient client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var session = await client.Connection.OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await session.SubsystemAsync("sftp", cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        // The server's stderr shares the channel window: drain it so it never stalls the data.
        TaskFaults.Observe(session.ExtendedOutput.CopyToAsync(Stream.Null, CancellationToken.None));
        var sftp = new SftpClient(session.Output, session.WriteAsync, session.Write, session.DisposeAsync);
        return await sftp.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Speaks SFTP over <paramref name="stream"/> (a subsystem channel's stream, a pipe to sftp-server, a test double); disposing the client disposes it.</summary>
    public static Task<SftpClient> OpenAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 256 * 1024, leaveOpen: true));
        var sftp = new SftpClient(input, async (data, ct) =>
        {
            await stream.WriteAsync(data, ct).ConfigureAwait(false);
            await stream.FlushAsync(ct).ConfigureAwait(false);
        }, (data, _) =>
        {
            // A stream's blocking write takes no token: a transfer sees cancellation between packets.
            stream.Write(data.Span);
            stream.Flush();
        }, stream.DisposeAsync);
        return sftp.StartAsync(cancellationToken);
    }

    private async Task<SftpClient> StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _receiveLoop = Task.Run(ReceiveLoopAsync, CancellationToken.None);
            using (var frame = new SftpFrameBuffer(16))
            {
                new SftpInit(SftpLimitsDefaults.ProtocolVersion).Write(frame.Begin());
                frame.End();
                await SendAsync(frame.Written, cancellationToken).ConfigureAwait(false);
            }
            var version = await _version.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
            if (version.Version < 3) throw new SshProtocolException($"sftp: server speaks protocol version {version.Version}; version 3 is required");
            ServerVersion = version.Version;
            var extensions = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, data) in version.Extensions) extensions.TryAdd(name, data);
            Extensions = extensions;
            if (extensions.ContainsKey(SftpExtensionNames.Limits)) await ApplyLimitsAsync(cancellationToken).ConfigureAwait(false);
            return this;
        }
        catch (TimeoutException)
        {
            await DisposeAsync().ConfigureAwait(false);
            throw new SshProtocolException("sftp: no VERSION from the server");
        }
        catch
        {
            await DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task ApplyLimitsAsync(CancellationToken cancellationToken)
    {
        var limits = await GetLimitsAsync(cancellationToken).ConfigureAwait(false);
        ReadChunkSize = Chunk(limits.MaxReadLength);
        WriteChunkSize = Chunk(limits.MaxWriteLength);
        if (limits.MaxPacketLength > 0 && limits.MaxPacketLength < 1024 + (ulong)WriteChunkSize)
        {
            WriteChunkSize = Math.Max(1024, (int)limits.MaxPacketLength - 1024);
        }

        static int Chunk(ulong limit) => limit == 0 ? SftpLimitsDefaults.MaxChunk : (int)Math.Clamp(limit, 512, (ulong)SftpLimitsDefaults.MaxChunk);
    }

    internal uint NextId() => unchecked((uint)Interlocked.Increment(ref _nextId));

    /// <summary>Registers <paramref name="pending"/> under <paramref name="id"/>; fails it at once when the session is gone.</summary>
    internal void Register(uint id, SftpPending pending)
    {
        if (!_pending.TryAdd(id, pending)) throw new InvalidOperationException($"sftp: request id {id} is in use");
        if (_failure is { } failure && _pending.TryRemove(id, out _)) pending.Fail(failure);
    }

    internal void Unregister(uint id) => _pending.TryRemove(id, out _);

    /// <summary>Writes whole packets (one or several) to the channel, one writer at a time.</summary>
    internal async ValueTask SendAsync(ReadOnlyMemory<byte> packets, CancellationToken cancellationToken)
    {
        if (_failure is { } failure) throw Rethrowable(failure);
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _send(packets, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            throw new SshChannelException("Connection closed", e);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>As <see cref="SendAsync"/>, blocking the calling thread (a transfer's own) while the channel's window or the socket is full.</summary>
    internal void SendBlocking(ReadOnlyMemory<byte> packets, CancellationToken cancellationToken)
    {
        if (_failure is { } failure) throw Rethrowable(failure);
        _sendLock.Wait(cancellationToken);
        try
        {
            _sendBlocking(packets, cancellationToken);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            throw new SshChannelException("Connection closed", e);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    internal delegate void RequestWriter(SshWriter writer, uint id);

    /// <summary>Sends one request and waits for its reply.</summary>
    internal async Task<T> RequestAsync<T>(RequestWriter write, SftpReplyParser<T> parser, CancellationToken cancellationToken)
    {
        uint id = NextId();
        var pending = new SftpPending<T>(parser);
        Register(id, pending);
        using (var frame = new SftpFrameBuffer(256))
        {
            write(frame.Begin(), id);
            frame.End();
            try
            {
                await SendAsync(frame.Written, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                Unregister(id);
                throw;
            }
        }
        // On cancellation the entry stays, so the late reply is still recognised and dropped.
        return await pending.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static Exception Rethrowable(Exception failure) => failure switch
    {
        SshProtocolException p => new SshProtocolException(p.Message, p),
        _ => new SshChannelException(failure.Message, failure),
    };

    private async Task ReceiveLoopAsync()
    {
        byte[]? scratch = null;
        Exception? error = null;
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync(_stop.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (TryTakePacket(ref buffer, out var packet))
                {
                    Dispatch(packet, ref scratch);
                }
                _input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    error = new SshChannelException("Connection closed");
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            error = new SshChannelException("sftp: the client is closed");
        }
        catch (Exception e)
        {
            error = e is SshException ? e : new SshChannelException("Connection closed", e);
        }
        finally
        {
            if (scratch is not null) ArrayPool<byte>.Shared.Return(scratch);
        }
        _failure = error;
        _version.TrySetException(error);
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var pending)) pending.Fail(error);
        }
        try
        {
            await _input.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The stream is gone already.
        }
        if (error is SshProtocolException && Volatile.Read(ref _disposed) == 0)
        {
            // A server that breaks the protocol gets no more requests: close the channel.
            try
            {
                await _close().ConfigureAwait(false);
            }
            catch (Exception e) when (e is SshException or IOException or ObjectDisposedException)
            {
                // Closing is best effort.
            }
        }
    }

    /// <summary>Takes one whole "uint32 length, body" packet off the front of <paramref name="buffer"/>.</summary>
    private static bool TryTakePacket(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> packet)
    {
        packet = default;
        if (buffer.Length < 4) return false;
        Span<byte> prefix = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(prefix);
        uint length = BinaryPrimitives.ReadUInt32BigEndian(prefix);
        if (length > SftpLimitsDefaults.MaxIncomingPacket)
            throw new SshProtocolException($"sftp: packet of {length} bytes exceeds the limit of {SftpLimitsDefaults.MaxIncomingPacket}");
        if (length < 5) throw new SshProtocolException($"sftp: packet of {length} bytes is too short");
        if (buffer.Length - 4 < length) return false;
        packet = buffer.Slice(4, length);
        buffer = buffer.Slice(4 + length);
        return true;
    }

    private void Dispatch(ReadOnlySequence<byte> packet, ref byte[]? scratch)
    {
        Span<byte> head = stackalloc byte[9];
        int headLength = (int)Math.Min(packet.Length, 9);
        packet.Slice(0, headLength).CopyTo(head);
        byte type = head[0];
        if (type == SftpPacketType.Version)
        {
            if (_version.Task.IsCompleted) throw new SshProtocolException("sftp: a second VERSION");
            var body = Contiguous(packet, ref scratch);
            var reader = new SshReader(body);
            _version.TrySetResult(SftpVersion.Read(ref reader));
            return;
        }
        if (!_version.Task.IsCompleted) throw new SshProtocolException($"sftp: packet type {type} before VERSION");
        uint id = BinaryPrimitives.ReadUInt32BigEndian(head[1..5]);
        if (!_pending.TryRemove(id, out var pending)) throw new SshProtocolException($"sftp: reply to unknown request id {id}");
        try
        {
            if (type == SftpPacketType.Data && pending is SftpPendingRead read && packet.Length >= 9)
            {
                uint n = BinaryPrimitives.ReadUInt32BigEndian(head[5..9]);
                if (n != packet.Length - 9) throw new SshProtocolException($"sftp: DATA length {n} does not match its packet of {packet.Length} bytes");
                read.CompleteData(packet.Slice(9));
                return;
            }
            pending.Complete(type, id, Contiguous(packet, ref scratch)[5..]);
        }
        catch (Exception e)
        {
            // The request is out of the table already: fail it here, then the whole session.
            pending.Fail(e);
            throw;
        }
    }

    private static ReadOnlySpan<byte> Contiguous(ReadOnlySequence<byte> packet, ref byte[]? scratch)
    {
        if (packet.IsSingleSegment) return packet.FirstSpan;
        scratch ??= ArrayPool<byte>.Shared.Rent(SftpLimitsDefaults.MaxIncomingPacket);
        packet.CopyTo(scratch);
        return scratch.AsSpan(0, (int)packet.Length);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            await _close().ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or IOException or ObjectDisposedException)
        {
            // Already closed.
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _receiveLoop.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Nothing more to wait for.
        }
        _stop.Dispose();
        _sendLock.Dispose();
    }
}
