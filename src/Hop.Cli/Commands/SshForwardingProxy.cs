using System.Globalization;
using Hop.Cli.Terminal;
using Hop.Ssh;
using Hop.Ssh.Auth;
using Hop.Ssh.Client;
using Hop.Ssh.Client.Forwarding;
using Hop.Ssh.Config;

namespace Hop.Cli.Commands;

/// <summary>
/// ProxyJump and ProxyCommand: how the connection to a host is carried when it is not plain TCP.
/// With "-J a,b" the target is reached over a direct-tcpip channel of b, itself reached over one
/// of a; each hop is a full connection with its own config (user, port, identities, known hosts),
/// as OpenSSH's ssh -W chain gives.
/// </summary>
internal static partial class SshCommand
{
    private const int MaxJumpDepth = 8;

    /// <summary>The stream opener for <paramref name="c"/>'s ProxyJump or ProxyCommand; null for plain TCP.</summary>
    private static Func<CancellationToken, Task<Stream>>? ProxyStream(SshArguments a, ResolvedConfig c, DiagnosticLog log, int depth = 0)
    {
        if (c.ProxyJump is { } jump)
        {
            if (depth >= MaxJumpDepth) throw new SshConnectionException("too many ProxyJump hops");
            var hops = SplitJumps(jump);
            return async ct =>
            {
                string last = hops[^1];
                string? rest = hops.Count > 1 ? string.Join(',', hops.Take(hops.Count - 1)) : null;
                var hop = await ConnectHopAsync(a, last, rest, log, depth + 1, ct).ConfigureAwait(false);
                log.Write(1, $"channel to {c.HostName} port {c.Port.ToString(CultureInfo.InvariantCulture)} through jump host {last}");
                var channel = await hop.Connection.OpenDirectTcpipAsync(c.HostName, (uint)c.Port, "127.0.0.1", 65535, ct).ConfigureAwait(false);
                return new JumpStream(channel.Stream, hop);
            };
        }
        // The names from the command line that %h and %r may bring in were checked before the
        // config was read (CheckCommandLineNames); names from the config are the user's own.
        if (c.ExpandedProxyCommand is { } command)
            return c.ProxyUseFdpass ? ct => ProxyCommand.DialAsync(command, log.Sink, ct) : _ => Task.FromResult(ProxyCommand.Start(command, log.Sink));
        return null;
    }

    private static List<string> SplitJumps(string value)
    {
        var hops = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        if (hops.Count == 0) throw new SshConnectionException($"invalid ProxyJump \"{value}\"");
        return hops;
    }

    /// <summary>"[user@]host[:port]" or "ssh://[user@]host[:port]".</summary>
    private static (string Host, string? User, int? Port) ParseJump(string spec)
    {
        if (spec.StartsWith("ssh://", StringComparison.OrdinalIgnoreCase)) return ParseDestination(spec, null, null);
        int at = spec.LastIndexOf('@');
        string? user = at >= 0 ? spec[..at] : null;
        string hostPort = at >= 0 ? spec[(at + 1)..] : spec;
        if (SshForwarding.ParseHostPort(hostPort) is { } hp) return (hp.Host, user, hp.Port);
        if (hostPort.StartsWith('[') && hostPort.EndsWith(']')) hostPort = hostPort[1..^1];
        if (hostPort.Length == 0) throw new SshConnectionException($"invalid ProxyJump host \"{spec}\"");
        return (hostPort, user, null);
    }

    /// <summary>Connects to one jump host with its own config; <paramref name="via"/> is the rest of the chain before it.</summary>
    private static async Task<SshClient> ConnectHopAsync(SshArguments a, string spec, string? via, DiagnosticLog log, int depth, CancellationToken ct)
    {
        var (host, user, port) = ParseJump(spec);
        var options = new List<string>();
        if (via is not null) options.Add($"ProxyJump {via}");
        var c = SshConfig.Resolve(host, new ResolveOptions
        {
            User = user,
            Port = port,
            CommandLineOptions = options,
            ConfigFile = a.ConfigFile,
            Algorithms = HopAlgorithms.Defaults,
            Log = log.Sink,
        });
        log.Write(1, $"Connecting to jump host {c.HostName} port {c.Port.ToString(CultureInfo.InvariantCulture)} as {c.User}");
        var (prompter, hostKeyPrompter) = PromptersFor(a, c);
        await using var agent = SshAgentUse.For(c, log);
        var files = await LoadIdentitiesAsync(c, prompter, log, null).ConfigureAwait(false);
        var identities = c.PubkeyAuthentication ? await agent.CombineAsync(files, c.IdentitiesOnly).ConfigureAwait(false) : files;
        var verifier = new HostKeyVerifier(c, hostKeyPrompter, log);
        var settings = SshClientSettingsFor.Build(c, identities, prompter, verifier, agent, ProxyStream(a, c, log, depth), log);
        return await SshClient.ConnectAsync(settings, ct).ConfigureAwait(false);
    }

    /// <summary>A channel of a jump host as a stream; disposing it also ends the jump connection.</summary>
    private sealed class JumpStream(Stream inner, SshClient hop) : UnseekableStream
    {
        private int _disposed;

        public override bool CanRead => inner.CanRead;
        public override bool CanWrite => inner.CanWrite;
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);
        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            await inner.DisposeAsync().ConfigureAwait(false);
            await hop.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                inner.Dispose();
                _ = hop.DisposeAsync().AsTask();
            }
            base.Dispose(disposing);
        }
    }
}
