using System.Net;
using System.Net.Sockets;
using Hop.Ssh.Auth;
using Hop.Ssh.Connection;
using Hop.Ssh.Transport;
using Hop.Ssh.Transport.Messages;

namespace Hop.Ssh.Client;

/// <summary>
/// An authenticated SSH connection: TCP (or a proxy stream), transport, user authentication and
/// the connection protocol, tied together.
/// </summary>
public sealed class SshClient : IAsyncDisposable
{
    private readonly Socket? _socket;
    private readonly SshClientSettings? _settings;
    private int _interactiveSet;

    private SshClient(SshTransport? transport, SshConnection connection, string method, Socket? socket, SshClientSettings? settings)
    {
        Transport = transport;
        Connection = connection;
        AuthenticationMethod = method;
        _socket = socket;
        _settings = settings;
    }

    /// <summary>
    /// Says whether the connection carries an interactive session (a tty, or X11) or a bulk one, and sets IPQoS's
    /// matching value on the socket (none over a proxy stream). As ssh's ssh_packet_set_interactive, only the first
    /// call counts; until then the socket keeps the interactive value set when it was made.
    /// </summary>
    public void SetInteractive(bool interactive)
    {
        if (Interlocked.Exchange(ref _interactiveSet, 1) != 0 || _socket is null || _settings is null) return;
        try
        {
            IpQosSocket.Set(_socket, interactive ? _settings.IpQosInteractive : _settings.IpQosBulk, _settings.Log);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>The transport; null for a client over a ControlMaster in proxy mode (<see cref="OverMuxProxy"/>).</summary>
    public SshTransport? Transport { get; }
    public SshConnection Connection { get; }

    /// <summary>The method that completed authentication ("publickey", "password", ...).</summary>
    public string AuthenticationMethod { get; }

    public static async Task<SshClient> ConnectAsync(SshClientSettings settings, CancellationToken cancellationToken = default)
    {
        var stream = settings.OpenStream is not null
            ? await settings.OpenStream(cancellationToken).ConfigureAwait(false)
            : await ConnectTcpAsync(settings, cancellationToken).ConfigureAwait(false);
        SshTransport? transport = null;
        try
        {
            var timeout = settings.ConnectTimeout > TimeSpan.Zero ? settings.ConnectTimeout : TimeSpan.FromSeconds(30);
            transport = await SshTransport.ConnectAsync(stream, new SshTransportOptions
            {
                KexAlgorithms = settings.KexAlgorithms,
                HostKeyAlgorithms = settings.HostKeyAlgorithms,
                Ciphers = settings.Ciphers,
                Macs = settings.Macs,
                RekeyBytes = settings.RekeyBytes,
                RekeyInterval = settings.RekeyInterval,
                HandshakeTimeout = timeout,
                VerifyHostKey = settings.VerifyHostKey,
                FingerprintHash = settings.FingerprintHash,
                Log = settings.Log,
            }, cancellationToken).ConfigureAwait(false);

            if (settings.OnKeyExchanged is not null) await settings.OnKeyExchanged(transport, cancellationToken).ConfigureAwait(false);
            var defaults = new UserAuthOptions { User = settings.User, Host = settings.Host };
            var authOptions = new UserAuthOptions
            {
                User = settings.User,
                Host = settings.Host,
                HostKeyAlias = settings.HostKeyAlias,
                Identities = settings.Identities,
                PreferredAuthentications = settings.PreferredAuthentications,
                PubkeyAuthentication = settings.PubkeyAuthentication,
                PasswordAuthentication = settings.PasswordAuthentication,
                KbdInteractiveAuthentication = settings.KbdInteractiveAuthentication,
                KbdInteractiveDevices = settings.KbdInteractiveDevices,
                PubkeyAcceptedAlgorithms = settings.PubkeyAcceptedAlgorithms ?? defaults.PubkeyAcceptedAlgorithms,
                NumberOfPasswordPrompts = settings.NumberOfPasswordPrompts,
                Prompter = settings.Prompter,
                Banner = settings.Banner,
                InteractiveMethodsAllowed = settings.InteractiveMethodsAllowed,
                FingerprintHash = settings.FingerprintHash,
                Log = settings.Log,
            };
            var t = transport;
            string method = await UserAuthentication.AuthenticateAsync(t, authOptions, () => t.ServerSignatureAlgorithms, cancellationToken).ConfigureAwait(false);
            transport.OnUserAuthenticated();
            var connection = new SshConnection(transport, new SshConnectionOptions
            {
                ServerAliveInterval = settings.ServerAliveInterval,
                ServerAliveCountMax = settings.ServerAliveCountMax,
                HostName = settings.Host,
            });
            settings.OnConnectionStarting?.Invoke(transport, connection);
            connection.Start();
            return new SshClient(transport, connection, method, (stream as PolledSocketStream)?.Socket, settings);
        }
        catch
        {
            if (transport is not null)
            {
                await transport.DisconnectAsync(DisconnectReason.ByApplication, "disconnected by user", CancellationToken.None).ConfigureAwait(false);
                await transport.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            throw;
        }
    }

    /// <summary>
    /// A client whose connection protocol runs over a ControlMaster's socket in proxy mode (ssh -O
    /// proxy, see <see cref="Mux.MuxProxyConnection"/>): the master's connection is already keyed and
    /// authenticated, so there is no transport here. <paramref name="host"/> names it in messages.
    /// </summary>
    public static SshClient OverMuxProxy(Stream stream, string host)
    {
        var connection = new SshConnection(new Mux.MuxProxyConnection(stream), new SshConnectionOptions { HostName = host });
        connection.Start();
        return new SshClient(null, connection, "", null, null);
    }

    /// <summary>Resolves the host and connects to the first address that answers, with TCP_NODELAY set.</summary>
    private static async Task<Stream> ConnectTcpAsync(SshClientSettings settings, CancellationToken ct)
    {
        string name = settings.HostName ?? settings.Host;
        IPAddress[] addresses;
        if (IPAddress.TryParse(name, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(name, settings.AddressFamily, ct).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new SshConnectionException($"Could not resolve hostname {name}: {e.Message}", e);
            }
        }
        if (settings.AddressFamily != AddressFamily.Unspecified) addresses = addresses.Where(a => a.AddressFamily == settings.AddressFamily).ToArray();
        if (addresses.Length == 0) throw new SshConnectionException($"Could not resolve hostname {name}: no address of the requested family");
        string? lastReason = null;
        SocketException? last = null;
        for (int attempt = 0; attempt < Math.Max(1, settings.ConnectionAttempts); attempt++)
        {
            if (attempt > 0)
            {
                // As ssh: a second between rounds.
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
                settings.Log?.Invoke(1, "Trying again...");
            }
            foreach (var address in addresses)
            {
                settings.Log?.Invoke(1, $"Connecting to {name} [{address}] port {settings.Port}.");
                bool bindFailed = false;
                var local = LocalAddress(settings, address.AddressFamily, out string? unsuitable);
                if (unsuitable is not null)
                {
                    // As ssh: said at INFO level, and the address counts as failed with no error of its own.
                    settings.Log?.Invoke(0, unsuitable);
                    lastReason = "failure";
                    continue;
                }
                void Prepare(Socket socket)
                {
                    // As ssh: the interactive IPQoS value from the start, until a session says otherwise.
                    IpQosSocket.Set(socket, settings.IpQosInteractive, settings.Log);
                    if (local is null) return;
                    try
                    {
                        socket.Bind(new IPEndPoint(local, 0));
                    }
                    catch (SocketException e)
                    {
                        settings.Log?.Invoke(0, $"bind {local}: {Describe(e)}");
                        bindFailed = true;
                        throw;
                    }
                    settings.Log?.Invoke(1, $"ssh_create_socket: bound to {local}");
                }
                try
                {
                    var stream = await PolledSocketStream.ConnectAsync(new IPEndPoint(address, settings.Port), settings.ConnectTimeout, ct, Prepare).ConfigureAwait(false);
                    if (settings.TcpKeepAlive) stream.Socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
                    settings.Log?.Invoke(1, "Connection established.");
                    settings.OnAddressConnected?.Invoke(address);
                    return stream;
                }
                catch (TimeoutException)
                {
                    throw new SshConnectionException($"connect to host {name} port {settings.Port}: Connection timed out");
                }
                catch (SocketException e) when (bindFailed)
                {
                    last = e;
                    lastReason = "failure";
                }
                catch (SocketException e)
                {
                    settings.Log?.Invoke(1, $"connect to address {address} port {settings.Port}: {Describe(e)}");
                    last = e;
                    lastReason = Describe(e);
                }
            }
        }
        string message = $"connect to host {name} port {settings.Port}: {lastReason}";
        throw last is null ? new SshConnectionException(message) : new SshConnectionException(message, last);
    }

    /// <summary>
    /// The local address a connection over <paramref name="family"/> is bound to, as ssh_create_socket picks it:
    /// BindAddress (getaddrinfo with AI_PASSIVE) when set, else an address of BindInterface, else none (null). When
    /// the one asked for has no address of that family, <paramref name="unsuitable"/> says so in ssh's words.
    /// </summary>
    private static IPAddress? LocalAddress(SshClientSettings settings, AddressFamily family, out string? unsuitable)
    {
        unsuitable = null;
        if (settings.BindAddress is string bind)
        {
            string why = "Address family for hostname not supported";
            if (IPAddress.TryParse(bind, out var literal))
            {
                if (literal.AddressFamily == family) return literal;
            }
            else
            {
                try
                {
                    var found = Dns.GetHostAddresses(bind, family);
                    if (found.Length > 0) return found[0];
                }
                catch (SocketException e)
                {
                    why = e.SocketErrorCode == SocketError.HostNotFound ? "Name or service not known" : e.Message;
                }
            }
            unsuitable = $"getaddrinfo: {bind}: {why}";
            return null;
        }
        if (settings.BindInterface is string nic)
        {
            var local = LocalInterfaceAddress.Find(nic, family);
            if (local is null) unsuitable = $"getifaddrs: {nic}: no suitable addresses";
            return local;
        }
        return null;
    }

    private static string Describe(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "Connection refused",
        SocketError.TimedOut => "Connection timed out",
        SocketError.HostUnreachable => "No route to host",
        SocketError.NetworkUnreachable => "Network is unreachable",
        _ => e.Message,
    };

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync().ConfigureAwait(false);
        if (Transport is not null) await Transport.DisposeAsync().ConfigureAwait(false);
    }
}
