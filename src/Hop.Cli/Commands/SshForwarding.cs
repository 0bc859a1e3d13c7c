using System.Globalization;
using System.Net.Sockets;
using Hop.Ssh;
using Hop.Ssh.Client;
using Hop.Ssh.Client.Forwarding;
using Hop.Ssh.Config;

namespace Hop.Cli.Commands;

/// <summary>
/// `hop ssh`'s forwards (-L, -R, -D and their config keywords): set up after authentication as
/// OpenSSH's ssh_init_forwarding does, with its messages; under ExitOnForwardFailure a forward
/// that cannot be set up ends the program (exit 255).
/// </summary>
internal sealed class SshForwarding : IAsyncDisposable
{
    private readonly List<ForwardListener> _listeners = [];

    private SshForwarding()
    {
    }

    public static async Task<SshForwarding> StartAsync(ResolvedConfig c, SshClient client, DiagnosticLog log)
    {
        var f = new SshForwarding();
        try
        {
            foreach (var spec in c.LocalForwards.Concat(c.DynamicForwards)) f.StartLocal(c, client, spec, log);
            if (c.RemoteForwards.Count > 0)
            {
                var remote = new RemoteForwarding(client.Connection, log.Sink);
                foreach (var spec in c.RemoteForwards) await StartRemoteAsync(c, remote, spec, log).ConfigureAwait(false);
            }
        }
        catch
        {
            await f.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return f;
    }

    private void StartLocal(ResolvedConfig c, SshClient client, ForwardSpec spec, DiagnosticLog log)
    {
        string what = spec.Kind == ForwardKind.Dynamic ? "dynamic" : "local";
        log.Write(1, spec.Kind == ForwardKind.Dynamic
            ? $"Local connections to {LocalForwarding.ListenName(spec)} forwarded to remote address socks:0"
            : $"Local connections to {LocalForwarding.ListenName(spec)} forwarded to remote address {spec.ConnectText}");
        try
        {
            _listeners.Add(LocalForwarding.Start(client.Connection, spec, c.GatewayPorts, log.Sink));
        }
        catch (Exception e) when (e is SocketException or IOException or SshException)
        {
            string where = spec.ListenPath ?? $"[{spec.ListenHost ?? "127.0.0.1"}]:{spec.ListenPort.ToString(CultureInfo.InvariantCulture)}";
            string reason = e is SocketException se ? Describe(se) : e.Message;
            log.Write(0, $"bind {where}: {reason}");
            if (spec.ListenPath is null) log.Write(0, $"channel_setup_fwd_listener_tcpip: cannot listen to port: {spec.ListenPort.ToString(CultureInfo.InvariantCulture)}");
            if (c.ExitOnForwardFailure) throw new SshConnectionException($"Could not request {what} forwarding.");
            log.Write(0, $"Could not request {what} forwarding.");
        }
    }

    private static async Task StartRemoteAsync(ResolvedConfig c, RemoteForwarding remote, ForwardSpec spec, DiagnosticLog log)
    {
        string target = spec.IsSocks ? "socks" : spec.ConnectPath ?? $"{spec.ConnectHost}:{spec.ConnectPort.ToString(CultureInfo.InvariantCulture)}";
        log.Write(1, $"Remote connections from {LocalForwarding.ListenName(spec)} forwarded to local address {target}");
        try
        {
            int bound = await remote.AddAsync(spec, c.GatewayPorts).ConfigureAwait(false);
            if (spec.ListenPath is null && spec.ListenPort == 0)
                log.Write(0, $"Allocated port {bound.ToString(CultureInfo.InvariantCulture)} for remote forward to {target}");
        }
        catch (SshException e) when (e is not SshConnectionException)
        {
            string what = spec.ListenPath is not null ? $"listen path {spec.ListenPath}" : $"listen port {spec.ListenPort.ToString(CultureInfo.InvariantCulture)}";
            if (c.ExitOnForwardFailure) throw new SshConnectionException($"Error: remote port forwarding failed for {what}");
            log.Write(0, $"Warning: remote port forwarding failed for {what}");
        }
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
    public static async Task<int> StdioForwardAsync(string target, SshClient client, DiagnosticLog log)
    {
        var (host, port) = ParseHostPort(target) ?? throw new SshException($"Bad stdio forwarding specification '{target}'");
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
        var stdin = Console.OpenStandardInput();
        var stdout = Console.OpenStandardOutput();
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
        foreach (var l in _listeners) await l.DisposeAsync().ConfigureAwait(false);
        _listeners.Clear();
    }
}
