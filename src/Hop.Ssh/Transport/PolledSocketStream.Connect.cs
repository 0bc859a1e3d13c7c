using System.Net;
using System.Net.Sockets;

namespace Hop.Ssh.Transport;

/// <summary>Connecting: a non-blocking connect, whose completion the read thread waits for.</summary>
internal sealed partial class PolledSocketStream
{
    /// <summary>
    /// Connects a new TCP socket (TCP_NODELAY set) to <paramref name="endpoint"/>, waiting at most
    /// <paramref name="timeout"/> (none when zero or negative). Failures raise the
    /// <see cref="SocketException"/> of the connect, a timeout <see cref="TimeoutException"/>.
    /// <paramref name="prepare"/> runs on the new socket before it connects.
    /// </summary>
    public static async Task<PolledSocketStream> ConnectAsync(IPEndPoint endpoint, TimeSpan timeout, CancellationToken cancellationToken, Action<Socket>? prepare = null)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var stream = new PolledSocketStream(socket);
        try
        {
            // Before the connect: a local address to bind (BindInterface), the IP_TOS byte (IPQoS).
            prepare?.Invoke(socket);
            await stream.ConnectCoreAsync(endpoint, timeout, cancellationToken).ConfigureAwait(false);
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>A stream over a socket connected elsewhere (a descriptor a ProxyUseFdpass dialer passed back).</summary>
    public static PolledSocketStream FromConnected(Socket socket) => new(socket);

    private Task ConnectCoreAsync(IPEndPoint endpoint, TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            _socket.Connect(endpoint);
            return Task.CompletedTask;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
            // Under way: the thread waits until the socket is writable, which is when it is done.
        }
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _connected = connected;
            // No timeout (zero or less), or one too long to matter (TimeSpan.MaxValue would overflow): no deadline.
            _connectDeadline = timeout > TimeSpan.Zero && timeout < TimeSpan.FromDays(1) ? Environment.TickCount64 + (long)Math.Ceiling(timeout.TotalMilliseconds) : long.MaxValue;
            _connectCancellation = ct;
            Hand(Job.Connect);
        }
        return connected.Task;
    }

    private void FinishConnect()
    {
        TaskCompletionSource connected;
        long deadline;
        CancellationToken ct;
        lock (_gate)
        {
            connected = _connected!;
            deadline = _connectDeadline;
            ct = _connectCancellation;
            _connected = null;
            _job = Job.None;
        }
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                ObjectDisposedException.ThrowIf(_disposed, this);
                long left = deadline - Environment.TickCount64;
                if (left <= 0) throw new TimeoutException("connect timed out");
                int slice = left >= PollSliceMicroseconds / 1000 ? PollSliceMicroseconds : (int)left * 1000;
                if (_socket.Poll(slice, SelectMode.SelectWrite) || _socket.Poll(0, SelectMode.SelectError)) break;
            }
            var error = (SocketError)(int)_socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
            if (error != SocketError.Success) throw new SocketException((int)error);
            connected.TrySetResult();
        }
        catch (Exception e) when (e is SocketException or TimeoutException or ObjectDisposedException or OperationCanceledException)
        {
            connected.TrySetException(e);
        }
    }
}
