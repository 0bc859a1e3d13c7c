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
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(spec);
        Func<Socket, CancellationToken, Task> handler = spec.Kind == ForwardKind.Dynamic || spec.IsSocks
            ? (socket, ct) => ServeSocksAsync(connection, socket, log, ct)
            : (socket, ct) => ForwardAsync(connection, spec, socket, log, ct);
        return spec.ListenPath is not null
            ? ForwardListener.ListenUnix(spec.ListenPath, handler)
            : ForwardListener.ListenTcp(spec.ListenHost, spec.ListenPort, gatewayPorts, handler);
    }

    private static async Task ForwardAsync(SshConnection connection, ForwardSpec spec, Socket socket, Action<int, string>? log, CancellationToken ct)
    {
        var (address, port) = Originator(socket);
        SshChannel channel;
        try
        {
            channel = spec.ConnectPath is not null
                ? await connection.OpenChannelAsync(ChannelTypes.DirectStreamlocal, new StreamlocalChannelOpenDetails { SocketPath = spec.ConnectPath }, ct).ConfigureAwait(false)
                : await connection.OpenDirectTcpipAsync(spec.ConnectHost!, (uint)spec.ConnectPort, address, port, ct).ConfigureAwait(false);
        }
        catch (SshChannelException e)
        {
            log?.Invoke(0, e.Message);
            return;
        }
        await ChannelRelay.RunAsync(channel, new NetworkStream(socket, ownsSocket: true), ct).ConfigureAwait(false);
    }

    private static async Task ServeSocksAsync(SshConnection connection, Socket socket, Action<int, string>? log, CancellationToken ct)
    {
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
        SshChannel channel;
        try
        {
            channel = await connection.OpenDirectTcpipAsync(request.Host, (uint)request.Port, address, port, ct).ConfigureAwait(false);
        }
        catch (SshChannelException e)
        {
            log?.Invoke(0, $"{e.Message} ({SocksProtocol.Describe(request)})");
            await SocksProtocol.ReplyAsync(stream, request, false, SocksProtocol.ConnectionRefused, ct).ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
            return;
        }
        await SocksProtocol.ReplyAsync(stream, request, true, cancellationToken: ct).ConfigureAwait(false);
        await ChannelRelay.RunAsync(channel, stream, ct).ConfigureAwait(false);
    }

    private static (string Address, uint Port) Originator(Socket socket) => socket.RemoteEndPoint is IPEndPoint ip
        ? (ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4().ToString() : ip.Address.ToString(), (uint)ip.Port)
        : ("127.0.0.1", 65535u);

    /// <summary>"[bind:]port" or a path, as OpenSSH's messages name a listen side.</summary>
    public static string ListenName(ForwardSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.ListenPath is not null) return spec.ListenPath;
        string port = spec.ListenPort.ToString(CultureInfo.InvariantCulture);
        return spec.ListenHost is null ? port : $"{spec.ListenHost}:{port}";
    }
}
