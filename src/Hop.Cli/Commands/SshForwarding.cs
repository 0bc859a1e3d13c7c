using System.Globalization;
using System.Net.Sockets;
using Hop.Cli.Terminal;
using Hop.Ssh;
using Hop.Ssh.Client;
using Hop.Ssh.Client.Forwarding;
using Hop.Ssh.Config;

namespace Hop.Cli.Commands;

/// <summary>
/// `hop ssh`'s forwards (-L, -R, -D and their config keywords): set up after authentication as
/// OpenSSH's ssh_init_forwarding does, with its messages; under ExitOnForwardFailure a forward
/// that cannot be set up ends the program (exit 255). While the session runs, the "~C" command
/// line adds forwards (<see cref="StartLocal"/>, <see cref="StartRemoteAsync"/>) and cancels them
/// (<see cref="CancelLocalAsync"/>, <see cref="CancelRemoteAsync"/>).
/// </summary>
internal sealed class SshForwarding : IAsyncDisposable
{
    private readonly ResolvedConfig _config;
    private readonly SshClient _client;
    private readonly DiagnosticLog _log;
    private readonly Lock _gate = new();
    private readonly List<(ForwardSpec Spec, ForwardListener Listener)> _listeners = [];
    private readonly List<(ForwardSpec Spec, int Port)> _remotes = [];
    private RemoteForwarding? _remote;
    private TunnelForwarding? _tunnel;

    private SshForwarding(ResolvedConfig config, SshClient client, DiagnosticLog log)
    {
        _config = config;
        _client = client;
        _log = log;
    }

    /// <param name="answersKept">True for a proxy-mode session over a master that keeps the server's answers (see <see cref="SshCommand"/>): -R as <see cref="StartUnansweredRemoteAsync"/>.</param>
    public static async Task<SshForwarding> StartAsync(ResolvedConfig c, SshClient client, DiagnosticLog log, bool answersKept = false)
    {
        var f = new SshForwarding(c, client, log);
        try
        {
            foreach (var spec in c.LocalForwards.Concat(c.DynamicForwards))
            {
                if (!f.StartLocal(spec) && c.ExitOnForwardFailure)
                    throw new SshConnectionException($"Could not request {(spec.Kind == ForwardKind.Dynamic ? "dynamic" : "local")} forwarding.");
            }
            foreach (var spec in c.RemoteForwards)
            {
                if (answersKept) await f.StartUnansweredRemoteAsync(spec).ConfigureAwait(false);
                else await f.StartRemoteAsync(spec, c.ExitOnForwardFailure).ConfigureAwait(false);
            }
            f._tunnel = await SshTunnel.StartAsync(c, client, log).ConfigureAwait(false);
        }
        catch
        {
            await f.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return f;
    }

    /// <summary>Opens the listener of a -L or -D forward; false (with OpenSSH's messages logged) when it cannot.</summary>
    public bool StartLocal(ForwardSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var log = _log;
        string what = spec.Kind == ForwardKind.Dynamic ? "dynamic" : "local";
        log.Write(1, spec.Kind == ForwardKind.Dynamic
            ? $"Local connections to {LocalForwarding.ListenName(spec)} forwarded to remote address socks:0"
            : $"Local connections to {LocalForwarding.ListenName(spec)} forwarded to remote address {spec.ConnectText}");
        try
        {
            var listener = LocalForwarding.Start(_client.Connection, spec, _config.GatewayPorts,
                new StreamLocalBind(_config.StreamLocalBindMask, _config.StreamLocalBindUnlink), log.Sink);
            lock (_gate) _listeners.Add((spec, listener));
            return true;
        }
        catch (Exception e) when (e is SocketException or IOException or SshException)
        {
            string where = spec.ListenPath ?? $"[{spec.ListenHost ?? "127.0.0.1"}]:{spec.ListenPort.ToString(CultureInfo.InvariantCulture)}";
            string reason = e is SocketException se ? Describe(se) : e.Message;
            log.Write(0, spec.ListenPath is not null ? $"unix_listener: cannot bind to path {where}: {reason}" : $"bind {where}: {reason}");
            if (spec.ListenPath is null) log.Write(0, $"channel_setup_fwd_listener_tcpip: cannot listen to port: {spec.ListenPort.ToString(CultureInfo.InvariantCulture)}");
            if (!_config.ExitOnForwardFailure) log.Write(0, $"Could not request {what} forwarding.");
            return false;
        }
    }

    /// <summary>The local tun or tap device of -w / Tunnel (ssh's %T), when it is forwarded.</summary>
    public string? TunnelDevice => _tunnel?.Device.Name;

    /// <summary>True when no forward is listening here or on the server.</summary>
    public bool IsEmpty
    {
        get
        {
            lock (_gate) return _listeners.Count == 0 && _remotes.Count == 0;
        }
    }

    /// <summary>Whether this forward (the same listen and connect sides) is set up already.</summary>
    public bool Has(ForwardSpec spec)
    {
        lock (_gate) return _listeners.Any(l => l.Spec == spec) || _remotes.Any(r => r.Spec == spec);
    }

    /// <summary>
    /// Asks the server for a -R forward (tcpip-forward or streamlocal-forward@openssh.com): the port it
    /// listens on (the one asked for, or the one it chose for port 0; 0 for a socket path); null when it
    /// refused, or throws under <paramref name="exitOnFailure"/>.
    /// </summary>
    public async Task<int?> StartRemoteAsync(ForwardSpec spec, bool exitOnFailure = false)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string target = RemoteTarget(spec);
        _log.Write(1, $"Remote connections from {LocalForwarding.ListenName(spec)} forwarded to local address {target}");
        var remote = Remote();
        try
        {
            int bound = await remote.AddAsync(spec).ConfigureAwait(false);
            lock (_gate) _remotes.Add((spec, bound));
            if (spec.ListenPath is null && spec.ListenPort == 0)
                _log.Write(0, $"Allocated port {bound.ToString(CultureInfo.InvariantCulture)} for remote forward to {target}");
            return bound;
        }
        catch (SshException e) when (e is not SshConnectionException)
        {
            string what = spec.ListenPath is not null ? $"listen path {spec.ListenPath}" : $"listen port {spec.ListenPort.ToString(CultureInfo.InvariantCulture)}";
            if (exitOnFailure) throw new SshConnectionException($"Error: remote port forwarding failed for {what}");
            _log.Write(0, $"Warning: remote port forwarding failed for {what}");
            return null;
        }
    }

    /// <summary>Where a -R forward's connections go, in ssh's words: "socks", a socket path, or host:port.</summary>
    private static string RemoteTarget(ForwardSpec spec) =>
        spec.IsSocks ? "socks" : spec.ConnectPath ?? $"{spec.ConnectHost}:{spec.ConnectPort.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The connection's remote forwarding, made with the first -R.</summary>
    private RemoteForwarding Remote()
    {
        lock (_gate) return _remote ??= new RemoteForwarding(_client.Connection, _log.Sink, _config.PermitRemoteOpen);
    }

    /// <summary>
    /// -R in proxy mode over a master that keeps the server's answers (OpenSSH's), as ssh there: a
    /// fixed port is asked for without wanting the answer, and the server's connections for it are
    /// served; a port the server would choose, or a socket path, is left out with a warning.
    /// </summary>
    private async Task StartUnansweredRemoteAsync(ForwardSpec spec)
    {
        if (spec.ListenPath is not null || spec.ListenPort == 0)
        {
            _log.Say($"hop: -R is not forwarded in proxy mode for {(spec.ListenPath ?? "port 0")} by this master (it keeps the server's answer); use -O forward");
            return;
        }
        string target = RemoteTarget(spec);
        _log.Write(1, $"Remote connections from {LocalForwarding.ListenName(spec)} forwarded to local address {target} (the master keeps the server's answer)");
        var remote = Remote();
        await remote.AddUnansweredAsync(spec).ConfigureAwait(false);
        lock (_gate) _remotes.Add((spec, spec.ListenPort));
    }

    /// <summary>
    /// -KL / -KD: closes the local listeners whose listen side matches <paramref name="listen"/>
    /// (OpenSSH's channel_cancel_lport_listener: same port or path, same bind address, and a
    /// static forward for -KL, a dynamic one for -KD); false when there was none.
    /// </summary>
    public async Task<bool> CancelLocalAsync(ForwardSpec listen)
    {
        ArgumentNullException.ThrowIfNull(listen);
        bool dynamic = listen.Kind == ForwardKind.Dynamic;
        List<ForwardListener> closing = [];
        lock (_gate)
        {
            for (int i = _listeners.Count - 1; i >= 0; i--)
            {
                var (spec, listener) = _listeners[i];
                if ((spec.Kind == ForwardKind.Dynamic || spec.IsSocks) != dynamic) continue;
                bool same = listen.ListenPath is not null
                    ? spec.ListenPath == listen.ListenPath
                    : spec.ListenPath is null && (spec.ListenPort == listen.ListenPort || listener.Port == listen.ListenPort)
                        && EscapeCommandLine.ListenKey(spec.ListenHost) == EscapeCommandLine.ListenKey(listen.ListenHost);
                if (!same) continue;
                closing.Add(listener);
                _listeners.RemoveAt(i);
            }
        }
        foreach (var l in closing) await l.DisposeAsync().ConfigureAwait(false);
        return closing.Count > 0;
    }

    /// <summary>
    /// -KR: sends cancel-tcpip-forward (or cancel-streamlocal-forward@openssh.com) for the remote
    /// forward we asked for on that address and port; false when we never asked for one.
    /// </summary>
    public async Task<bool> CancelRemoteAsync(ForwardSpec listen)
    {
        ArgumentNullException.ThrowIfNull(listen);
        (ForwardSpec Spec, int Port) found = default;
        RemoteForwarding? remote;
        lock (_gate)
        {
            remote = _remote;
            int index = _remotes.FindIndex(r => listen.ListenPath is not null
                ? r.Spec.ListenPath == listen.ListenPath
                : r.Spec.ListenPath is null && r.Port == listen.ListenPort && r.Spec.ListenHost == listen.ListenHost);
            if (index < 0 || remote is null) return false;
            found = _remotes[index];
            _remotes.RemoveAt(index);
        }
        try
        {
            await remote.CancelAsync(found.Spec, found.Port).ConfigureAwait(false);
        }
        catch (SshException e) when (e is not SshConnectionException)
        {
            _log.Write(0, e.Message);
        }
        return true;
    }

    /// <summary>Closes every local listener (~&amp;: no new connections); open connections go on.</summary>
    public async Task StopListeningAsync()
    {
        List<ForwardListener> all;
        lock (_gate)
        {
            all = [.. _listeners.Select(l => l.Listener)];
            _listeners.Clear();
        }
        foreach (var l in all) await l.DisposeAsync().ConfigureAwait(false);
    }

    private static string Describe(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse => "Address already in use",
        SocketError.AccessDenied => "Permission denied",
        SocketError.AddressNotAvailable => "Cannot assign requested address",
        _ => e.Message,
    };

    /// <summary>
    /// -W host:port: joins our stdin and stdout to a direct-tcpip channel, and ends when the channel
    /// does (OpenSSH's stdio forwarding, the building block of ProxyCommand chains).
    /// </summary>
    /// <summary>-W's host:port, or ssh's refusal.</summary>
    internal static (string Host, int Port) StdioTarget(string target) =>
        ParseHostPort(target) ?? throw new SshException($"Bad stdio forwarding specification '{target}'");

    public static async Task<int> StdioForwardAsync(string target, SshClient client, DiagnosticLog log)
    {
        var (host, port) = StdioTarget(target);
        Hop.Ssh.Connection.DirectTcpipChannel channel;
        try
        {
            channel = await client.Connection.OpenDirectTcpipAsync(host, (uint)port, "127.0.0.1", 65535).ConfigureAwait(false);
        }
        catch (SshChannelException e)
        {
            log.Write(0, e.Message);
            log.Write(0, "stdio forwarding failed");
            return 255;
        }
        var stdin = StandardStream.Open(0);
        var stdout = StandardStream.Open(1);
        var toChannel = CopyStdinAsync(stdin, channel);
        await channel.Output.CopyToAsync(stdout).ConfigureAwait(false);
        await stdout.FlushAsync().ConfigureAwait(false);
        await channel.CloseAsync().ConfigureAwait(false);
        _ = toChannel;
        return 0;
    }

    private static async Task CopyStdinAsync(Stream stdin, Hop.Ssh.Connection.SshChannel channel)
    {
        var input = channel.GetInputStream();
        var buffer = new byte[32 * 1024];
        try
        {
            while (true)
            {
                int n = await stdin.ReadAsync(buffer).ConfigureAwait(false);
                if (n == 0) break;
                await input.WriteAsync(buffer.AsMemory(0, n)).ConfigureAwait(false);
            }
            await channel.SendEofAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The channel closed first.
        }
    }

    /// <summary>"host:port" or "[v6]:port".</summary>
    internal static (string Host, int Port)? ParseHostPort(string s)
    {
        string host, port;
        if (s.StartsWith('['))
        {
            int close = s.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= s.Length || s[close + 1] != ':') return null;
            host = s[1..close];
            port = s[(close + 2)..];
        }
        else
        {
            int colon = s.LastIndexOf(':');
            if (colon <= 0) return null;
            host = s[..colon];
            port = s[(colon + 1)..];
        }
        return host.Length > 0 && int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p is > 0 and < 65536 ? (host, p) : null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopListeningAsync().ConfigureAwait(false);
        if (_tunnel is not null) await _tunnel.DisposeAsync().ConfigureAwait(false);
    }
}
