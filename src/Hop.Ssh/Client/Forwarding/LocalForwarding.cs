using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Hop.Ssh.Config;
using Hop.Ssh.Connection;
using Hop.Ssh.Connection.Messages;

namespace Hop.Ssh.Client.Forwarding;

/// <summary>
/// -L and -D: listens locally and, for each connection accepted, opens a channel on the
/// connection — direct-tcpip to host:port, direct-streamlocal@openssh.com to a Unix socket, or
/// (dynamic) direct-tcpip to wherever the SOCKS request says — and relays the two.
/// </summary>
public static class LocalForwarding
{
    /// <summary>Starts the listener for a LocalForward or DynamicForward <paramref name="spec"/>.</summary>
    public static ForwardListener Start(SshConnection connection, ForwardSpec spec, bool gatewayPorts, Action<int, string>? log = null)
        => Start(connection, spec, gatewayPorts, StreamLocalBind.Default, log);

    /// <summary>Starts the listener for <paramref name="spec"/>; a socket path is made as <paramref name="bind"/> says.</summary>
    public static ForwardListener Start(SshConnection connection, ForwardSpec spec, bool gatewayPorts, StreamLocalBind bind, Action<int, string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(bind);
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(spec);
        Func<Socket, CancellationToken, Task> handler = spec.Kind == ForwardKind.Dynamic || spec.IsSocks
            ? (socket, ct) => ServeSocksAsync(connection, spec, socket, log, ct)
            : (socket, ct) => ForwardAsync(connection, spec, socket, log, ct);
        return spec.ListenPath is not null
            ? ForwardListener.ListenUnix(spec.ListenPath, handler, bind.Mask, bind.Unlink, log)
            : ForwardListener.ListenTcp(spec.ListenHost, spec.ListenPort, gatewayPorts, handler);
    }

    private static async Task ForwardAsync(SshConnection connection, ForwardSpec spec, Socket socket, Action<int, string>? log, CancellationToken ct)
    {
        var (address, port) = Originator(socket);
        var sink = new SocketSink(socket);
        var sinks = new ChannelSinks(sink, null);
        // The target as OpenSSH's messages name it: a Unix socket's path with port -2 (PORT_STREAMLOCAL).
        string target = spec.ConnectPath ?? spec.ConnectHost!;
        int targetPort = spec.ConnectPath is not null ? -2 : spec.ConnectPort;
        log?.Invoke(1, string.Create(CultureInfo.InvariantCulture,
            $"Connection to port {ListeningPort(spec, socket)} forwarding to {target} port {targetPort} requested."));
        SshChannel channel;
        try
        {
            channel = spec.ConnectPath is not null
                ? await connection.OpenChannelAsync(ChannelTypes.DirectStreamlocal, new StreamlocalChannelOpenDetails { SocketPath = spec.ConnectPath }, sinks, ct).ConfigureAwait(false)
                : await connection.OpenDirectTcpipAsync(spec.ConnectHost!, (uint)spec.ConnectPort, address, port, sinks, ct).ConfigureAwait(false);
        }
        catch (SshChannelException e)
        {
            log?.Invoke(0, e.Message);
            return;
        }
        log?.Invoke(1, $"{channel.Name}: new [{channel.ChannelType}]");
        channel.Description = Describe(channel.ChannelType, spec, socket, target, targetPort);
        await ChannelRelay.RunAsync(channel, sink, ct, log).ConfigureAwait(false);
    }

    private static async Task ServeSocksAsync(SshConnection connection, ForwardSpec spec, Socket socket, Action<int, string>? log, CancellationToken ct)
    {
        log?.Invoke(1, string.Create(CultureInfo.InvariantCulture, $"Connection to port {ListeningPort(spec, socket)} forwarding to socks port 0 requested."));
        var stream = new NetworkStream(socket, ownsSocket: true);
        SocksRequest request;
        try
        {
            request = await SocksProtocol.ReadRequestAsync(stream, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocksException or EndOfStreamException or IOException)
        {
            log?.Invoke(1, $"dynamic forward: {e.Message}");
            await stream.DisposeAsync().ConfigureAwait(false);
            return;
        }
        var (address, port) = Originator(socket);
        var sink = new SocketSink(socket);
        var sinks = new ChannelSinks(sink, null);
        SshChannel channel;
        try
        {
            channel = await connection.OpenDirectTcpipAsync(request.Host, (uint)request.Port, address, port, sinks, ct).ConfigureAwait(false);
        }
        catch (SshChannelException e)
        {
            log?.Invoke(0, $"{e.Message} ({SocksProtocol.Describe(request)})");
            await SocksProtocol.ReplyAsync(stream, request, false, SocksProtocol.ConnectionRefused, ct).ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
            return;
        }
        log?.Invoke(1, $"{channel.Name}: new [dynamic-tcpip]");
        channel.Description = Describe(ChannelTypes.DirectTcpip, spec, socket, request.Host, request.Port);
        await SocksProtocol.ReplyAsync(stream, request, true, cancellationToken: ct).ConfigureAwait(false);
        await ChannelRelay.RunAsync(channel, sink, ct, log).ConfigureAwait(false);
    }

    private static (string Address, uint Port) Originator(Socket socket) => socket.RemoteEndPoint is IPEndPoint ip
        ? (AddressText(ip.Address), (uint)ip.Port)
        : ("127.0.0.1", 65535u);

    /// <summary>An address as OpenSSH writes it: an IPv4 peer of a dual-stack socket as plain IPv4.</summary>
    private static string AddressText(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4().ToString() : address.ToString();

    /// <summary>
    /// The channel's name in OpenSSH's list of open channels (port_open_helper): the listener, the
    /// target, and both ends of the accepted connection; a Unix socket has port -2 (PORT_STREAMLOCAL)
    /// as its listening or target port and port 0 at the ends.
    /// </summary>
    private static string Describe(string type, ForwardSpec spec, Socket socket, string target, int targetPort)
    {
        static (string, int) End(EndPoint? e, string unix) => e is IPEndPoint ip ? (AddressText(ip.Address), ip.Port) : (unix, 0);
        var (fromHost, fromPort) = End(socket.RemoteEndPoint, "");
        var (toHost, toPort) = End(socket.LocalEndPoint, spec.ListenPath ?? "");
        int listening = ListeningPort(spec, socket);
        return string.Create(CultureInfo.InvariantCulture,
            $"{type}: listening port {listening} for {target} port {targetPort}, connect from {fromHost} port {fromPort} to {toHost} port {toPort}");
    }

    /// <summary>The listening port in OpenSSH's messages: -2 (PORT_STREAMLOCAL) for a Unix socket, the bound port for port 0.</summary>
    private static int ListeningPort(ForwardSpec spec, Socket socket) => spec.ListenPath is not null ? -2
        : spec.ListenPort != 0 ? spec.ListenPort
        : socket.LocalEndPoint is IPEndPoint ip ? ip.Port : 0;

    /// <summary>"[bind:]port" or a path, as OpenSSH's messages name a listen side.</summary>
    public static string ListenName(ForwardSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.ListenPath is not null) return spec.ListenPath;
        string port = spec.ListenPort.ToString(CultureInfo.InvariantCulture);
        return spec.ListenHost is null ? port : $"{spec.ListenHost}:{port}";
    }
}
