using System.Buffers;
using System.Runtime.CompilerServices;
using Hop.Ssh.Connection.Messages;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Connection;

/// <summary>Flow control (RFC 4254 §5.2): the window we grant and the window the peer grants us.</summary>
public partial class SshChannel
{
    private readonly AsyncSignal _remoteWindowSignal = new();
    private readonly uint _localWindowMax;
    private readonly uint _localMaxPacket;
    private long _localWindow;
    private long _unacknowledged;
    private long _remoteWindow;
    private int _remoteMaxPacket;

    /// <summary>What the peer may still send before our next WINDOW_ADJUST.</summary>
    internal long LocalWindow => Volatile.Read(ref _localWindow);

    /// <summary>What we may still send before the peer's next WINDOW_ADJUST.</summary>
    internal long RemoteWindow => Volatile.Read(ref _remoteWindow);

    /// <summary>The largest DATA payload the peer accepts (capped by what the transport carries).</summary>
    internal int RemoteMaxPacket => _remoteMaxPacket;

    private void SetRemote(uint remoteChannel, uint remoteWindow, uint remoteMaxPacket)
    {
        RemoteChannelId = remoteChannel;
        HasRemoteChannelId = true;
        Volatile.Write(ref _remoteWindow, remoteWindow);
        if (remoteMaxPacket == 0) throw new SshProtocolException($"{Name}: peer's maximum packet size is 0");
        _remoteMaxPacket = (int)Math.Min(remoteMaxPacket, (uint)Connection.Options.MaximumSendPacketSize);
    }

    /// <summary>
    /// Sends <paramref name="data"/> as DATA messages of at most the peer's maximum packet size,
    /// waiting (without blocking a thread) for WINDOW_ADJUST when the peer's window is spent.
    /// </summary>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        => WriteCoreAsync(data, extended: false, cancellationToken);

    /// <summary>Sends <paramref name="data"/> as extended data of type 1 (stderr); a server's job, here for tests and symmetry.</summary>
    public ValueTask WriteExtendedAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        => WriteCoreAsync(data, extended: true, cancellationToken);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteCoreAsync(ReadOnlyMemory<byte> data, bool extended, CancellationToken cancellationToken)
    {
        ThrowIfNotOpen();
        if (Volatile.Read(ref _eofSent) != 0) throw new SshChannelException($"{Name}: write after EOF");
        if (data.IsEmpty) return;
        byte[] header = new byte[ChannelExtendedDataMessage.HeaderLength];
        bool heldBack = false;
        try
        {
            while (!data.IsEmpty)
            {
                int n = await ReserveRemoteWindowAsync(Math.Min(data.Length, _remoteMaxPacket), cancellationToken).ConfigureAwait(false);
                var (head, body) = NextDataMessage(header, ref data, n, extended, out heldBack);
                await Connection.SendAsync(head, body, flush: !heldBack, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (heldBack) await Connection.FlushSendsAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends <paramref name="data"/> as <see cref="WriteAsync"/> does, blocking the calling thread
    /// while the peer's window or the socket is full. For a thread of the caller's own (a stdin
    /// pump): it is woken directly by the receive loop's WINDOW_ADJUST, where an awaited write would
    /// resume on a thread-pool thread and wake the caller from there (two thread hand-offs per wait).
    /// </summary>
    public void Write(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ThrowIfNotOpen();
        if (Volatile.Read(ref _eofSent) != 0) throw new SshChannelException($"{Name}: write after EOF");
        if (data.IsEmpty) return;
        byte[] header = new byte[ChannelDataMessage.HeaderLength];
        bool heldBack = false;
        try
        {
            while (!data.IsEmpty)
            {
                int n = ReserveRemoteWindow(Math.Min(data.Length, _remoteMaxPacket), cancellationToken);
                var (head, body) = NextDataMessage(header, ref data, n, extended: false, out heldBack);
                BlockingWait.Wait(Connection.SendAsync(head, body, flush: !heldBack, cancellationToken));
            }
        }
        finally
        {
            if (heldBack) BlockingWait.Wait(Connection.FlushSendsAsync(CancellationToken.None));
        }
    }

    /// <summary>
    /// The next DATA (or extended data) message: its header, written in <paramref name="header"/>,
    /// and its data, the first <paramref name="n"/> bytes of <paramref name="data"/>, which moves
    /// past them. The transport copies both once, into the packet. <paramref name="heldBack"/>: the
    /// next packet can follow at once (window left), so the transport may write both with one
    /// syscall; the last one, or one before a wait, goes out.
    /// </summary>
    private (ReadOnlyMemory<byte> Head, ReadOnlyMemory<byte> Body) NextDataMessage(byte[] header, ref ReadOnlyMemory<byte> data, int n, bool extended, out bool heldBack)
    {
        int length;
        if (extended)
        {
            ChannelExtendedDataMessage.WriteHeader(header, RemoteChannelId, ChannelExtendedDataMessage.Stderr, n);
            length = ChannelExtendedDataMessage.HeaderLength;
        }
        else
        {
            ChannelDataMessage.WriteHeader(header, RemoteChannelId, n);
            length = ChannelDataMessage.HeaderLength;
        }
        var body = data[..n];
        data = data[n..];
        heldBack = !data.IsEmpty && RemoteWindow > 0;
        return (header.AsMemory(0, length), body);
    }

    /// <summary>Takes up to <paramref name="wanted"/> bytes of the peer's window, blocking the thread while it is empty.</summary>
    private int ReserveRemoteWindow(int wanted, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryReserveRemoteWindow(wanted, out int n)) return n;
            ThrowIfNotOpen();
            _remoteWindowSignal.Wait(cancellationToken);
        }
    }

    private bool TryReserveRemoteWindow(int wanted, out int n)
    {
        while (true)
        {
            long window = Volatile.Read(ref _remoteWindow);
            n = (int)Math.Min(window, wanted);
            if (window <= 0) return false;
            if (Interlocked.CompareExchange(ref _remoteWindow, window - n, window) == window) return true;
        }
    }

    /// <summary>Takes up to <paramref name="wanted"/> bytes of the peer's window, waiting while it is empty.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReserveRemoteWindowAsync(int wanted, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryReserveRemoteWindow(wanted, out int n)) return n;
            ThrowIfNotOpen();
            await _remoteWindowSignal.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    internal void OnWindowAdjust(uint bytesToAdd)
    {
        RequireOpen("WINDOW_ADJUST");
        long window = Interlocked.Add(ref _remoteWindow, bytesToAdd);
        if (window > uint.MaxValue) throw new SshProtocolException($"{Name}: WINDOW_ADJUST of {bytesToAdd} overflows the window");
        _remoteWindowSignal.Set();
    }

    internal void OnData(ReadOnlyMemory<byte> data) => Receive(_stdout, data);

    internal void OnExtendedData(uint dataTypeCode, ReadOnlyMemory<byte> data)
    {
        if (dataTypeCode == ChannelExtendedDataMessage.Stderr)
        {
            Receive(_stderr, data);
            return;
        }
        // Unknown types are counted against the window and dropped.
        Receive(null, data);
    }

    private void Receive(InboundStream? stream, ReadOnlyMemory<byte> data)
    {
        RequireOpen("data");
        if (_eofReceived) throw new SshProtocolException($"{Name}: data after EOF");
        long window = Volatile.Read(ref _localWindow);
        if (data.Length > window)
        {
            throw new SshProtocolException($"{Name}: peer sent {data.Length} bytes with only {window} left in the window");
        }
        Interlocked.Add(ref _localWindow, -data.Length);
        if (stream is null || Volatile.Read(ref _closeSent) != 0)
        {
            OnConsumed(data.Length);
            return;
        }
        if (stream == _stdout && OnDatagram(data.Span))
        {
            OnConsumed(data.Length);
            return;
        }
        stream.Deliver(data);
    }

    /// <summary>
    /// A channel whose DATA messages are datagrams (tun@openssh.com) takes each one whole here, on
    /// the receive thread, and returns true; its window is granted back at once. Others return false
    /// and the data goes to the stream, where message bounds are not kept.
    /// </summary>
    private protected virtual bool OnDatagram(ReadOnlySpan<byte> data) => false;

    /// <summary>
    /// Sends <paramref name="datagram"/> as one DATA message, never split: waits (blocking this
    /// thread, a reader of the caller's own) until the peer's window takes it whole. False, and
    /// nothing sent, when it is larger than the peer's maximum packet size.
    /// </summary>
    private protected bool WriteDatagram(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken)
    {
        ThrowIfNotOpen();
        if (Volatile.Read(ref _eofSent) != 0) throw new SshChannelException($"{Name}: write after EOF");
        if (datagram.Length > _remoteMaxPacket) return false;
        while (!TryReserveWholeWindow(datagram.Length))
        {
            ThrowIfNotOpen();
            _remoteWindowSignal.Wait(cancellationToken);
        }
        byte[] header = new byte[ChannelDataMessage.HeaderLength];
        ChannelDataMessage.WriteHeader(header, RemoteChannelId, datagram.Length);
        BlockingWait.Wait(Connection.SendAsync(header, datagram, flush: true, cancellationToken));
        return true;
    }

    private bool TryReserveWholeWindow(int length)
    {
        while (true)
        {
            long window = Volatile.Read(ref _remoteWindow);
            if (window < length) return false;
            if (Interlocked.CompareExchange(ref _remoteWindow, window - length, window) == window) return true;
        }
    }

    /// <summary>
    /// A sink's destination is gone. For a session's stdout, as OpenSSH's client does when its stdout
    /// closes: eow@openssh.com tells the server we will write no more of it, so it closes the
    /// command's output (which then ends, typically on SIGPIPE). Like OpenSSH, only for sessions: a
    /// forwarding relay closes its channel instead. What still arrives is dropped.
    /// </summary>
    internal void OnSinkFailed(InboundStream stream)
    {
        if (stream != _stdout || ChannelType != ChannelTypes.Session || _state is not State.Open || Volatile.Read(ref _closeSent) != 0) return;
        var message = new ChannelRequestMessage { RecipientChannel = RemoteChannelId, RequestType = ChannelRequestTypes.EndOfWrite };
        using var buffer = new SshBuffer();
        var writer = buffer.Writer;
        message.Write(ref writer);
        Connection.SendInBackground(buffer.WrittenMemory.ToArray());
    }

    /// <summary>The consumer took <paramref name="count"/> bytes: grant them back once an eighth of the window is used, so a fast sender never waits for WINDOW_ADJUST.</summary>
    internal void OnConsumed(long count)
    {
        long pending = Interlocked.Add(ref _unacknowledged, count);
        if (pending < _localWindowMax / 8) return;
        long grant = Interlocked.Exchange(ref _unacknowledged, 0);
        if (grant <= 0) return;
        Interlocked.Add(ref _localWindow, grant);
        if (_state is not State.Open || Volatile.Read(ref _closeSent) != 0) return;
        var message = new byte[ChannelWindowAdjustMessage.Length];
        new ChannelWindowAdjustMessage(RemoteChannelId, (uint)grant).WriteTo(message);
        Connection.SendInBackground(message);
    }
}
