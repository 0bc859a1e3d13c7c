using System.Net;
using System.Net.Sockets;

namespace Hop.Ssh.Client.Forwarding;

/// <summary>
/// The local end of a forward (-L, -D): one or more listening sockets whose accepted connections
/// are each handed to a handler, many at once. The bind address follows OpenSSH's client rules:
/// none means loopback (all addresses with GatewayPorts), "" or "*" all addresses, "localhost"
/// loopback, anything else that address.
/// </summary>
public sealed class ForwardListener : IAsyncDisposable
{
    private readonly List<Socket> _sockets;
    private readonly Func<Socket, CancellationToken, Task> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly string? _unlinkPath;

    private ForwardListener(List<Socket> sockets, Func<Socket, CancellationToken, Task> handler, string? unlinkPath)
    {
        _sockets = sockets;
        _handler = handler;
        _unlinkPath = unlinkPath;
    }

    /// <summary>The TCP port bound (the one the system chose when 0 was asked); 0 for a Unix socket.</summary>
    public int Port => _sockets[0].LocalEndPoint is IPEndPoint ip ? ip.Port : 0;

    /// <summary>Listens on TCP; throws <see cref="SocketException"/> when no address could be bound.</summary>
    public static ForwardListener ListenTcp(string? bindAddress, int port, bool gatewayPorts, Func<Socket, CancellationToken, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var addresses = BindAddresses(bindAddress, gatewayPorts);
        var sockets = new List<Socket>();
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (address.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = false;
                // As OpenSSH: after the first address, take the same port for the others (port 0).
                int p = port == 0 && sockets.Count > 0 ? ((IPEndPoint)sockets[0].LocalEndPoint!).Port : port;
                socket.Bind(new IPEndPoint(address, p));
                socket.Listen(128);
                sockets.Add(socket);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
        }
        if (sockets.Count == 0) throw last ?? new SocketException((int)SocketError.AddressNotAvailable);
        var listener = new ForwardListener(sockets, handler, null);
        listener.Start();
        return listener;
    }

    /// <summary>
    /// Listens on a Unix socket at <paramref name="path"/> (-L /path:host:port, -D /path), made with the umask
    /// <paramref name="mask"/> (StreamLocalBindMask) after removing what is there when <paramref name="unlinkFirst"/>
    /// (StreamLocalBindUnlink); otherwise an existing file makes the bind fail (address in use).
    /// </summary>
    public static ForwardListener ListenUnix(string path, Func<Socket, CancellationToken, Task> handler, int mask = 0x7f, bool unlinkFirst = false, Action<int, string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (unlinkFirst) UnixSocketFile.RemoveStale(path, log);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            UnixSocketFile.BindWithMask(mask, () => socket.Bind(new UnixDomainSocketEndPoint(path)));
            socket.Listen(128);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var listener = new ForwardListener([socket], handler, path);
        listener.Start();
        return listener;
    }

    /// <summary>The addresses OpenSSH's client binds for a listen address (channel_fwd_bind_addr).</summary>
    public static IReadOnlyList<IPAddress> BindAddresses(string? bindAddress, bool gatewayPorts)
    {
        bool wildcard = bindAddress is null ? gatewayPorts : bindAddress is "" or "*";
        if (wildcard) return Socket.OSSupportsIPv6 ? [IPAddress.IPv6Any, IPAddress.Any] : [IPAddress.Any];
        if (bindAddress is null || bindAddress == "localhost")
            return Socket.OSSupportsIPv6 ? [IPAddress.Loopback, IPAddress.IPv6Loopback] : [IPAddress.Loopback];
        if (IPAddress.TryParse(bindAddress, out var literal)) return [literal];
        try
        {
            return Dns.GetHostAddresses(bindAddress);
        }
        catch (SocketException e)
        {
            throw new SshException($"Could not resolve bind address {bindAddress}: {e.Message}", e);
        }
    }

    private void Start()
    {
        foreach (var socket in _sockets) _loops.Add(Task.Run(() => AcceptLoopAsync(socket)));
    }

    private async Task AcceptLoopAsync(Socket listening)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await listening.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                if (_stop.IsCancellationRequested) return;
                if (e is SocketException se && se.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset) continue;
                return;
            }
            if (accepted.AddressFamily != AddressFamily.Unix) accepted.NoDelay = true;
            _ = RunHandlerAsync(accepted);
        }
    }

    private async Task RunHandlerAsync(Socket accepted)
    {
        try
        {
            await _handler(accepted, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // That one connection failed; the listener goes on.
        }
        finally
        {
            accepted.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var s in _sockets) s.Dispose();
        try
        {
            await Task.WhenAll(_loops).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        if (_unlinkPath is not null)
        {
            try { File.Delete(_unlinkPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        _stop.Dispose();
    }
}
