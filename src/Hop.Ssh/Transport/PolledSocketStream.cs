using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace Hop.Ssh.Transport;

/// <summary>
/// The TCP connection under the transport, read the way OpenSSH's client reads it: a read that
/// finds nothing waits in poll(2) on a thread of the connection's own, and the receive loop then
/// runs on that thread (see <see cref="ContinueOnReadThread"/>), woken by the kernel once per
/// arrival. Reading through .NET's socket engine instead costs two hand-offs per read that waits
/// (the engine's epoll thread, then a thread-pool worker, whose idle spinning took half of a bulk
/// download's CPU when the process had not set DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS).
/// The socket therefore never joins the engine for reading: connecting and reading are
/// non-blocking calls plus our own waits. Writes are non-blocking calls too; only a write the
/// kernel cannot take at once falls back to the engine's async send. In a bulk flow the waits
/// wake once per few packets (<see cref="SetLowWater"/>).
/// </summary>
internal sealed partial class PolledSocketStream : UnseekableStream, IValueTaskSource<int>
{
    /// <summary>How long one poll(2) for writing, or for reading on Windows, waits before the thread looks at cancellation and disposal again.</summary>
    private const int PollSliceMicroseconds = 200_000;

    /// <summary>
    /// How long a read's poll(2) waits for data: for ever where a shutdown of the socket wakes it
    /// (cancellation and disposal do that; an idle session then costs no wake-ups at all, as with
    /// OpenSSH's client), in slices on Windows, where that is not documented to wake WSAPoll.
    /// </summary>
    private static readonly int ReadWaitMicroseconds = OperatingSystem.IsWindows() ? PollSliceMicroseconds : -1;

    /// <summary>A read of at least this much (one full-size packet of OpenSSH's) marks a bulk flow.</summary>
    private const int BulkReadBytes = 32 * 1024;

    /// <summary>In a bulk flow, poll(2) wakes once this much has arrived (four full-size packets)...</summary>
    internal const int BulkLowWater = 128 * 1024;

    /// <summary>...or once this long has passed.</summary>
    private const int BulkWaitMicroseconds = 2_000;

    private readonly Socket _socket;
    private readonly object _gate = new();
    private Thread? _thread;
    private Job _job;
    private ManualResetValueTaskSourceCore<int> _read;
    private Memory<byte> _readBuffer;
    private CancellationToken _readCancellation;
    private TaskCompletionSource? _connected;
    private long _connectDeadline;
    private CancellationToken _connectCancellation;
    private volatile bool _continueOnReadThread;
    private bool _lowWaterRaised;
    private bool _lowWaterUnsupported;
    private volatile bool _disposed;

    private enum Job { None, Connect, Read }

    private PolledSocketStream(Socket socket)
    {
        _socket = socket;
        _socket.Blocking = false;
    }

    /// <summary>The socket (for its options and addresses); reading and writing go through the stream.</summary>
    public Socket Socket => _socket;

    /// <summary>
    /// From now on a read handed to the read thread continues there (the connection's receive
    /// loop, with everything it calls, runs on it), not on a thread-pool thread. Set once the only
    /// reader left is a loop that never blocks its thread on another read of this stream.
    /// </summary>
    public bool ContinueOnReadThread
    {
        get => _continueOnReadThread;
        set => _continueOnReadThread = value;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty) return ValueTask.FromResult(0);
        try
        {
            if (TryReceive(buffer.Span, out int n)) return ValueTask.FromResult(n);
            // On the read thread (the receive loop, continued there) the wait is ours to do inline.
            if (Thread.CurrentThread == _thread) return ValueTask.FromResult(ReceiveWaiting(buffer.Span, cancellationToken));
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            return ValueTask.FromException<int>(e);
        }
        lock (_gate)
        {
            if (_job != Job.None) return ValueTask.FromException<int>(new InvalidOperationException("one read at a time"));
            _read.Reset();
            _read.RunContinuationsAsynchronously = !_continueOnReadThread;
            _readBuffer = buffer;
            _readCancellation = cancellationToken;
            Hand(Job.Read);
            return new ValueTask<int>(this, _read.Version);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty) return 0;
        return TryReceive(buffer, out int n) ? n : ReceiveWaiting(buffer, CancellationToken.None);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            int sent = SendNow(buffer.Span);
            if (sent == buffer.Length) return ValueTask.CompletedTask;
            buffer = buffer[sent..];
        }
        catch (IOException e)
        {
            return ValueTask.FromException(e);
        }
        return SendRestAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (!buffer.IsEmpty)
        {
            buffer = buffer[SendNow(buffer)..];
            if (!buffer.IsEmpty) _socket.Poll(PollSliceMicroseconds, SelectMode.SelectWrite);
        }
    }

    /// <summary>
    /// What the kernel could not take at once goes through the socket engine's async send, so no
    /// thread waits for the peer to read. The socket joins the engine then, for the rest of its life.
    /// </summary>
    private async ValueTask SendRestAsync(ReadOnlyMemory<byte> rest, CancellationToken ct)
    {
        try
        {
            while (!rest.IsEmpty) rest = rest[await _socket.SendAsync(rest, SocketFlags.None, ct).ConfigureAwait(false)..];
            _sentSinceQuickAck = true;
            _receivedSinceSend = false;
        }
        catch (SocketException e)
        {
            throw TransportError("write", e.SocketErrorCode, e);
        }
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Sends what the kernel takes without waiting; returns how much that was.</summary>
    private int SendNow(ReadOnlySpan<byte> data)
    {
        int total = 0;
        while (total < data.Length)
        {
            int n = _socket.Send(data[total..], SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock) break;
            if (error != SocketError.Success) throw TransportError("write", error, null);
            total += n;
        }
        if (total > 0)
        {
            _sentSinceQuickAck = true;
            _receivedSinceSend = false;
        }
        return total;
    }

    /// <summary>Receives what is waiting without waiting; false when nothing is.</summary>
    private bool TryReceive(Span<byte> buffer, out int received)
    {
        received = _socket.Receive(buffer, SocketFlags.None, out var error);
        if (error == SocketError.Success)
        {
            if (received > 0) _receivedSinceSend = true;
            if (received >= BulkReadBytes && _sentSinceQuickAck) AckPromptly();
            return true;
        }
        if (error == SocketError.WouldBlock) return false;
        throw TransportError("read", error, null);
    }

    /// <summary>
    /// Waits in poll(2) on this thread until data (or the end) arrives, then receives it. In a bulk
    /// flow the wait lasts until <see cref="BulkLowWater"/> bytes are there (see <see cref="SetLowWater"/>).
    /// Cancelling <paramref name="ct"/> shuts the socket's receiving side to wake the wait: a read
    /// cancelled half-way through a packet leaves nothing that could be read afterwards anyway.
    /// </summary>
    private int ReceiveWaiting(Span<byte> buffer, CancellationToken ct)
    {
        using var wake = ct.UnsafeRegister(static state => ((PolledSocketStream)state!).ShutdownReceiving(), this);
        AckBeforeWaiting();
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(_disposed, this);
            bool ready = _socket.Poll(_lowWaterRaised ? BulkWaitMicroseconds : ReadWaitMicroseconds, SelectMode.SelectRead);
            ct.ThrowIfCancellationRequested();
            // The flow paused: what is there is read now, and the next wait wakes for any byte again.
            if (!ready && _lowWaterRaised) SetLowWater(false);
            if (TryReceive(buffer, out int n))
            {
                if (n >= BulkReadBytes && !_lowWaterRaised) SetLowWater(true);
                return n;
            }
        }
    }

    /// <summary>Wakes a wait for data for good (a cancelled read): poll(2) sees the receiving side shut.</summary>
    private void ShutdownReceiving()
    {
        try { _socket.Shutdown(SocketShutdown.Receive); }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
    }

    /// <summary>
    /// In a bulk flow (a read that waited found a full-size packet or more) the socket's
    /// SO_RCVLOWAT is raised, so that poll(2) wakes this thread once per few packets instead of
    /// once per packet: a quarter less CPU for the client and less wake-up work for the sender's
    /// side of loopback. The wait then has a short timeout, after which the mark drops back to one
    /// byte (a pause in the flow, or its last bytes, cost at most that much delay, once). Reads
    /// that find data waiting never wait, so a low-water mark only ever delays a wake-up.
    /// Platforms without SO_RCVLOWAT (Windows) keep one wake-up per arrival.
    /// </summary>
    private void SetLowWater(bool raised)
    {
        if (_lowWaterUnsupported) return;
        try
        {
            // Linux grows a receive buffer too small for the mark and clamps the TCP window to the
            // mark until autotuning grows it again: raised only once the buffer has grown well past it.
            if (raised && _socket.ReceiveBufferSize < 4 * BulkLowWater) return;
            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReceiveLowWater, raised ? BulkLowWater : 1);
            _lowWaterRaised = raised;
        }
        catch (SocketException)
        {
            _lowWaterUnsupported = true;
            _lowWaterRaised = false;
        }
    }

    private static IOException TransportError(string operation, SocketError error, SocketException? inner)
    {
        var e = inner ?? new SocketException((int)error);
        return new IOException($"Unable to {operation} data on the transport connection: {e.Message}", e);
    }

    /// <summary>Under <see cref="_gate"/>: gives the read thread its job, starting it the first time.</summary>
    private void Hand(Job job)
    {
        _job = job;
        if (_thread is null)
        {
            _thread = new Thread(RunReadThread) { IsBackground = true, Name = "hop ssh read" };
            _thread.Start();
        }
        else
        {
            Monitor.Pulse(_gate);
        }
    }

    private void RunReadThread()
    {
        while (true)
        {
            Job job;
            lock (_gate)
            {
                while (_job == Job.None && !_disposed) Monitor.Wait(_gate);
                job = _job;
                if (job == Job.None) return;
            }
            if (job == Job.Connect) FinishConnect();
            else FinishRead();
        }
    }

    private void FinishRead()
    {
        Memory<byte> buffer;
        CancellationToken ct;
        lock (_gate)
        {
            buffer = _readBuffer;
            ct = _readCancellation;
            _readBuffer = default;
            _job = Job.None;
        }
        int n;
        try
        {
            n = ReceiveWaiting(buffer.Span, ct);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
            _read.SetException(e);
            return;
        }
        // With ContinueOnReadThread this runs the reader's continuation here and now.
        _read.SetResult(n);
    }

    int IValueTaskSource<int>.GetResult(short token) => _read.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _read.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _read.OnCompleted(continuation, state, token, flags);

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            // Wakes a poll(2) under way at once (it sees the end); the close follows.
            try { _socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { }
            _socket.Dispose();
            lock (_gate) Monitor.PulseAll(_gate);
        }
        base.Dispose(disposing);
    }

    public override bool CanRead => !_disposed;
    public override bool CanWrite => !_disposed;
}
