using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Hop.Interop.Tests.X11;

/// <summary>
/// Makes a Unix-socket X display reachable as a TCP display: listens on 127.0.0.1:6000+N (N a
/// display number with the port free and no Unix socket of that number) and relays each
/// connection to the given socket. Counts the connections it carried.
/// </summary>
internal sealed class X11TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly string _socketPath;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _connections;

    private X11TcpRelay(TcpListener listener, int number, string socketPath)
    {
        _listener = listener;
        _socketPath = socketPath;
        Number = number;
        _accepting = AcceptAsync();
    }

    /// <summary>The TCP display's number: DISPLAY=127.0.0.1:Number.</summary>
    public int Number { get; }

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public static X11TcpRelay Start(string unixSocketPath)
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            int n = 100 + RandomNumberGenerator.GetInt32(0, 800);
            if (File.Exists($"/tmp/.X11-unix/X{n}")) continue;
            var listener = new TcpListener(IPAddress.Loopback, 6000 + n);
            try
            {
                listener.Start();
            }
            catch (SocketException)
            {
                listener.Dispose();
                continue;
            }
            return new X11TcpRelay(listener, n, unixSocketPath);
        }
        throw new InvalidOperationException("no free X display number for a TCP relay");
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var tcp = await _listener.AcceptSocketAsync(_stop.Token);
                Interlocked.Increment(ref _connections);
                _ = RelayAsync(tcp);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task RelayAsync(Socket tcp)
    {
        using var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var tcpStream = new NetworkStream(tcp, ownsSocket: true);
        try
        {
            await unix.ConnectAsync(new UnixDomainSocketEndPoint(_socketPath), _stop.Token);
            using var unixStream = new NetworkStream(unix, ownsSocket: false);
            var up = CopyThenShutdownAsync(tcpStream, unixStream, unix);
            var down = CopyThenShutdownAsync(unixStream, tcpStream, tcp);
            await Task.WhenAll(up, down);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
        }
    }

    private async Task CopyThenShutdownAsync(Stream from, Stream to, Socket toSocket)
    {
        try
        {
            await from.CopyToAsync(to, _stop.Token);
            toSocket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _listener.Dispose();
        _stop.Dispose();
    }
}
