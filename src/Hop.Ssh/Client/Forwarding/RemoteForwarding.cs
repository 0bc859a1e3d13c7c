using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using Hop.Ssh.Config;
using Hop.Ssh.Connection;
using Hop.Ssh.Connection.Messages;

namespace Hop.Ssh.Client.Forwarding;

/// <summary>
/// -R: asks the server to listen (tcpip-forward, streamlocal-forward@openssh.com) and serves the
/// forwarded-tcpip / forwarded-streamlocal@openssh.com channels it then opens, connecting each to
/// the local target — host:port, a Unix socket, or (remote dynamic, -R port) wherever the SOCKS
/// request on the channel says. A forwarded channel for an address and port we never asked for
/// is refused.
/// </summary>
public sealed class RemoteForwarding
{
    private readonly SshConnection _connection;
    private readonly Action<int, string>? _log;
    private readonly ConcurrentDictionary<(string Address, uint Port), ForwardSpec> _tcp = new();
    private readonly ConcurrentDictionary<string, ForwardSpec> _paths = new(StringComparer.Ordinal);

    private readonly PermitRemoteOpen _permitOpen;

    /// <summary>
    /// Registers the channel handlers on <paramref name="connection"/>; forwards are added with
    /// <see cref="AddAsync"/>. A remote dynamic forward connects only where <paramref name="permitOpen"/>
    /// allows (PermitRemoteOpen; anywhere by default).
    /// </summary>
    public RemoteForwarding(SshConnection connection, Action<int, string>? log = null, PermitRemoteOpen? permitOpen = null)
    {
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        _log = log;
        _permitOpen = permitOpen ?? PermitRemoteOpen.Any;
        connection.SetChannelOpenHandler(ChannelTypes.ForwardedTcpip, OnForwardedTcpipAsync);
        connection.SetChannelOpenHandler(ChannelTypes.ForwardedStreamlocal, OnForwardedStreamlocalAsync);
    }

    /// <summary>
    /// The address OpenSSH's client sends for a listen host (channel_rfwd_bind_host): none is
    /// "localhost", "" or "*" is "" (all addresses, if the server's GatewayPorts allows), anything
    /// else as written. The client's GatewayPorts (-g) plays no part: it is about local forwards only.
    /// </summary>
    public static string BindHost(string? listenHost) => listenHost switch
    {
        null => "localhost",
        "" or "*" => "",
        _ => listenHost,
    };

    /// <summary>
    /// Requests the forward; returns the port the server listens on (the one it chose when the
    /// spec asked for 0), or 0 for a Unix socket. Throws <see cref="SshException"/> when refused.
    /// </summary>
    public async Task<int> AddAsync(ForwardSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.ListenPath is not null)
        {
            _paths[spec.ListenPath] = spec;
            try
            {
                await _connection.RequestStreamlocalForwardAsync(spec.ListenPath, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                _paths.TryRemove(spec.ListenPath, out _);
                throw;
            }
            return 0;
        }
        string address = BindHost(spec.ListenHost);
        // Registered before the reply so that a connection racing it is served; port 0 is
        // registered under the port the server chose.
        if (spec.ListenPort != 0) _tcp[(address, (uint)spec.ListenPort)] = spec;
        uint bound;
        try
        {
            bound = await _connection.RequestTcpipForwardAsync(address, (uint)spec.ListenPort, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            if (spec.ListenPort != 0) _tcp.TryRemove((address, (uint)spec.ListenPort), out _);
            throw;
        }
        _tcp[(address, bound)] = spec;
        return (int)bound;
    }

    /// <summary>
    /// Asks for a forward on a fixed port without wanting the answer, for a ControlMaster in proxy
    /// mode that keeps the server's answers (OpenSSH's): the server's connections for it are served
    /// all the same, as ssh's are there. Nothing says whether the server listens.
    /// </summary>
    public async Task AddUnansweredAsync(ForwardSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.ListenPath is not null || spec.ListenPort == 0) throw new ArgumentException("a forward without an answer needs a fixed port", nameof(spec));
        string address = BindHost(spec.ListenHost);
        _tcp[(address, (uint)spec.ListenPort)] = spec;
        var data = SshConnection.EncodeForward(address, (uint)spec.ListenPort);
        await _connection.SendGlobalRequestAsync(GlobalRequestMessage.TcpipForward, data, wantReply: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops a forward added with <see cref="AddAsync"/> (cancel-tcpip-forward, or
    /// cancel-streamlocal-forward@openssh.com for a path); <paramref name="boundPort"/> is the port
    /// <see cref="AddAsync"/> returned. Channels the server opens for it afterwards are refused.
    /// Throws <see cref="SshException"/> when the server refuses the cancel.
    /// </summary>
    public async Task CancelAsync(ForwardSpec spec, int boundPort, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.ListenPath is not null)
        {
            _paths.TryRemove(spec.ListenPath, out _);
            await _connection.CancelStreamlocalForwardAsync(spec.ListenPath, cancellationToken).ConfigureAwait(false);
            return;
        }
        string address = BindHost(spec.ListenHost);
        _tcp.TryRemove((address, (uint)boundPort), out _);
        await _connection.CancelTcpipForwardAsync(address, (uint)boundPort, cancellationToken).ConfigureAwait(false);
    }

    private async Task OnForwardedTcpipAsync(IncomingChannelOpen open)
    {
        if (open.Details is not TcpipChannelOpenDetails d || !_tcp.TryGetValue((d.Host, d.Port), out var spec))
        {
            string where = open.Details is TcpipChannelOpenDetails t ? $"{t.Host} port {t.Port.ToString(CultureInfo.InvariantCulture)}" : "?";
            _log?.Invoke(0, $"WARNING: Server requests forwarding for unknown listen_port {where}");
            open.Reject(ChannelOpenFailureReason.AdministrativelyProhibited, "unknown forward");
            return;
        }
        await ServeAsync(open, spec).ConfigureAwait(false);
    }

    private async Task OnForwardedStreamlocalAsync(IncomingChannelOpen open)
    {
        if (open.Details is not StreamlocalChannelOpenDetails d || !_paths.TryGetValue(d.SocketPath, out var spec))
        {
            _log?.Invoke(0, "WARNING: Server requests forwarding for unknown path");
            open.Reject(ChannelOpenFailureReason.AdministrativelyProhibited, "unknown forward");
            return;
        }
        await ServeAsync(open, spec).ConfigureAwait(false);
    }

    private async Task ServeAsync(IncomingChannelOpen open, ForwardSpec spec)
    {
        if (spec.IsSocks)
        {
            var socksChannel = await open.AcceptAsync().ConfigureAwait(false);
            await ServeSocksOverChannelAsync(socksChannel).ConfigureAwait(false);
            return;
        }
        Socket local;
        try
        {
            local = await ConnectLocalAsync(spec.ConnectHost, spec.ConnectPort, spec.ConnectPath).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            string target = spec.ConnectPath ?? $"{spec.ConnectHost} port {spec.ConnectPort.ToString(CultureInfo.InvariantCulture)}";
            _log?.Invoke(0, $"connect_to {target}: failed: {e.Message}");
            open.Reject(ChannelOpenFailureReason.ConnectFailed, "connection refused");
            return;
        }
        var sink = new SocketSink(local);
        SshChannel channel;
        try
        {
            channel = await open.AcceptAsync(new ChannelSinks(sink, null)).ConfigureAwait(false);
        }
        catch
        {
            local.Dispose();
            throw;
        }
        await ChannelRelay.RunAsync(channel, sink, log: _log).ConfigureAwait(false);
    }

    /// <summary>Remote dynamic forwarding: the channel carries a SOCKS client; we connect locally.</summary>
    private async Task ServeSocksOverChannelAsync(SshChannel channel)
    {
        var stream = channel.GetStream();
        SocksRequest request;
        try
        {
            request = await SocksProtocol.ReadRequestAsync(stream).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocksException or EndOfStreamException or IOException or SshException)
        {
            _log?.Invoke(1, $"remote dynamic forward: {e.Message}");
            await stream.DisposeAsync().ConfigureAwait(false);
            return;
        }
        if (!_permitOpen.Permits(request.Host, request.Port))
        {
            // OpenSSH closes the channel without a word; a SOCKS refusal tells the program on the server why.
            _log?.Invoke(1, $"remote dynamic forward to {SocksProtocol.Describe(request)}: not permitted by PermitRemoteOpen");
            await SocksProtocol.ReplyAsync(stream, request, false, SocksProtocol.NotAllowed).ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
            return;
        }
        Stream local;
        try
        {
            local = new NetworkStream(await ConnectLocalAsync(request.Host, request.Port, null).ConfigureAwait(false), ownsSocket: true);
        }
        catch (SocketException e)
        {
            _log?.Invoke(0, $"connect_to {SocksProtocol.Describe(request)}: failed: {e.Message}");
            await SocksProtocol.ReplyAsync(stream, request, false, SocksProtocol.ConnectionRefused).ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
            return;
        }
        await SocksProtocol.ReplyAsync(stream, request, true).ConfigureAwait(false);
        await ChannelRelay.RunAsync(channel, local, log: _log).ConfigureAwait(false);
    }

    private static async Task<Socket> ConnectLocalAsync(string? host, int port, string? path)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        if (path is not null)
        {
            var unix = new Socket(System.Net.Sockets.AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await unix.ConnectAsync(new UnixDomainSocketEndPoint(path), timeout.Token).ConfigureAwait(false);
            }
            catch
            {
                unix.Dispose();
                throw;
            }
            return unix;
        }
        var tcp = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(host!, port, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            tcp.Dispose();
            throw new SocketException((int)SocketError.TimedOut);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
        return tcp;
    }
}
