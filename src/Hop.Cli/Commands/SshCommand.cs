using Hop.Cli.Terminal;
using Hop.Ssh;
using Hop.Ssh.Client;
using Hop.Ssh.Config;

namespace Hop.Cli.Commands;

/// <summary>`hop ssh`: OpenSSH's ssh — log in, run a shell or a command, exit with its status.</summary>
internal static partial class SshCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        _ = SshForwardingBackground.IsPersistMaster; // read (and cleared from the environment) before anything starts a program
        SshArguments a;
        try
        {
            a = SshArguments.Parse(args);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"hop ssh: {e.Message}");
            Console.Error.WriteLine(SshArguments.Usage);
            return 255;
        }
        if (a.FlagError is not null)
        {
            Console.Error.WriteLine(a.FlagError);
            return 255;
        }
        var log = new DiagnosticLog(a.Verbose, a.Quiet, a.LogFile);
        try
        {
            if (a.PrintVersion)
            {
                Console.Error.WriteLine($"Hop_{typeof(SshCommand).Assembly.GetName().Version?.ToString(3)}, OpenSSH-compatible client");
                return 0;
            }
            if (a.Query is not null) return QueryCommand.Run(a.Query);
            var (host, user, port) = ParseDestination(a.Destination!, a.FirstUser == UserSource.Destination ? null : a.User, a.Port);
            var config = ResolveConfig(a, host, user, port, log);
            a.ApplyConfig(config);
            log = log.WithLogLevel(config.LogLevel);
            if (a.PrintConfig)
            {
                ConfigDump.Write(Console.Out, config);
                return 0;
            }
            foreach (var entry in config.UnsupportedKeywords) log.Write(1, $"{entry}: keyword not supported by Hop, ignored");
            if (SshMuxClient.TryRun(a, config, log, out var proxy) is { } muxed) return muxed;
            if (proxy is not null) return await RunOverMuxProxyAsync(a, config, proxy, log).ConfigureAwait(false);
            if (SshMuxMaster.StartsPersistent(a, config))
            {
                // ControlPersist, as ssh: the master goes to the background and stays; this session is its first client.
                int started = await SshForwardingBackground.LaunchAsync(persistMaster: true).ConfigureAwait(false);
                if (started != 0) return started;
                if (SshMuxClient.TryRun(a, config, log) is { } persisted) return persisted;
            }
            return await RunSessionAsync(a, config, log).ConfigureAwait(false);
        }
        catch (SshException e)
        {
            log.Error(e);
            return 255;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            log.Error(e);
            return 255;
        }
        finally
        {
            log.Dispose();
        }
    }

    /// <summary>Splits "[user@]host" or "ssh://[user@]host[:port]"; -l and -p win over what the destination says.</summary>
    internal static (string Host, string? User, int? Port) ParseDestination(string destination, string? user, int? port)
    {
        string rest = destination;
        int? urlPort = null;
        if (rest.StartsWith("ssh://", StringComparison.OrdinalIgnoreCase))
        {
            rest = rest[6..].TrimEnd('/');
            int at0 = rest.LastIndexOf('@');
            string hostPart = at0 >= 0 ? rest[(at0 + 1)..] : rest;
            string? userPart = at0 >= 0 ? Uri.UnescapeDataString(rest[..at0]) : null;
            if (hostPart.StartsWith('['))
            {
                int close = hostPart.IndexOf(']', StringComparison.Ordinal);
                if (close < 0) throw new SshException($"invalid destination {destination}");
                string after = hostPart[(close + 1)..];
                if (after.StartsWith(':')) urlPort = ParsePort(after[1..], destination);
                hostPart = hostPart[1..close];
            }
            else
            {
                int colon = hostPart.LastIndexOf(':');
                if (colon >= 0)
                {
                    urlPort = ParsePort(hostPart[(colon + 1)..], destination);
                    hostPart = hostPart[..colon];
                }
            }
            return (RequireHost(hostPart, destination), user ?? userPart, port ?? urlPort);
        }
        int at = rest.LastIndexOf('@');
        if (at >= 0) return (RequireHost(rest[(at + 1)..], destination), user ?? rest[..at], port);
        return (RequireHost(rest, destination), user, port);
    }

    private static string RequireHost(string host, string destination) =>
        host.Length == 0 ? throw new SshException($"invalid destination {destination}") : host;

    private static int ParsePort(string s, string destination) =>
        int.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int p) && p is > 0 and < 65536
            ? p
            : throw new SshException($"invalid port in {destination}");

    private static ResolvedConfig ResolveConfig(SshArguments a, string host, string? user, int? port, DiagnosticLog? log = null)
    {
        CheckCommandLineNames(a, host, user);
        var options = new List<string>(a.FlagOptions.Count + a.Options.Count);
        options.AddRange(a.FlagOptions);
        // A -l or user@ that came before any -o User wins over it (ssh keeps the first).
        options.AddRange(a.FirstUser is UserSource.Flag or UserSource.Destination ? a.Options.Where(o => !SshArguments.IsUserOption(o)) : a.Options);
        return SshConfig.Resolve(host, new ResolveOptions
        {
            User = user,
            Port = port,
            CommandLineOptions = options,
            ConfigFile = a.ConfigFile,
            Algorithms = HopAlgorithms.Defaults,
            Log = log?.Sink,
        });
    }
}
