using System.Globalization;

namespace Hop.Cli.Commands;

/// <summary>
/// `hop agent`: OpenSSH's ssh-agent. With no arguments it goes into the background and prints
/// the shell lines to eval; -D stays in the foreground, -d too with a debug log; -k kills the
/// agent named by SSH_AGENT_PID; a COMMAND runs with the variables set and the agent ends with it.
/// </summary>
internal static class AgentCommand
{
    /// <summary>The internal first argument of the re-executed background agent.</summary>
    internal const string DaemonFlag = "--hop-agent-daemon";

    /// <summary>ssh-agent's default for -P: libraries under the system's and /usr/local's lib directories.</summary>
    public const string DefaultAllowedProviders = "/usr/lib*/*,/usr/local/lib*/*";

    internal sealed class Options
    {
        public string? SocketPath;
        public bool CshSyntax;
        public bool Foreground;
        public bool Debug;
        public bool Kill;
        public long? LifetimeSeconds;
        public string AllowedProviders = DefaultAllowedProviders;
        public string[] Command = [];
    }

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] == DaemonFlag) return await AgentDaemon.RunDaemonAsync(args[1..]).ConfigureAwait(false);
        Options o;
        try
        {
            o = Parse(args);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine(e.Message);
            PrintUsage();
            return 1;
        }
        catch (AgentArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
        if (o.Kill) return KillAgent(o.CshSyntax);
        if (o.Foreground || o.Debug) return await AgentDaemon.RunForegroundAsync(o).ConfigureAwait(false);
        return await AgentDaemon.LaunchAsync(o).ConfigureAwait(false);
    }

    internal static Options Parse(string[] args)
    {
        var o = new Options();
        bool c = false, s = false;
        var g = new GetOpt("a:cDdkO:P:st:E:", args);
        while (g.Next(out char opt, out string? arg))
        {
            switch (opt)
            {
                case 'a': o.SocketPath = arg; break;
                case 'c': if (s) throw new UsageException("-c and -s are exclusive"); c = true; break;
                case 's': if (c) throw new UsageException("-c and -s are exclusive"); s = true; break;
                case 'D': if (o.Debug || o.Foreground) throw new UsageException("-D and -d are exclusive"); o.Foreground = true; break;
                case 'd': if (o.Debug || o.Foreground) throw new UsageException("-D and -d are exclusive"); o.Debug = true; break;
                case 'k': o.Kill = true; break;
                case 't':
                    o.LifetimeSeconds = AgentTime.ParseSeconds(arg!) ?? throw new UsageException("Invalid lifetime");
                    break;
                case 'E':
                    if (arg is not ("md5" or "sha256")) throw new AgentArgumentException($"Invalid hash algorithm \"{arg}\"");
                    break;
                case 'P':
                    // The pattern list PKCS#11 providers (ssh-add -s) must match, after realpath.
                    o.AllowedProviders = arg!;
                    break;
                case 'O':
                    // Options for the security-key helper, which Hop's agent does not load.
                    break;
            }
        }
        o.Command = args[g.Index..];
        if (o.Command.Length > 0 && (c || s || o.Kill || o.Debug || o.Foreground)) throw new UsageException("a command cannot be combined with -c, -s, -k, -d or -D");
        o.CshSyntax = c || (!s && (Environment.GetEnvironmentVariable("SHELL") ?? "").EndsWith("csh", StringComparison.Ordinal));
        return o;
    }

    /// <summary>The line that sets a variable in the chosen shell syntax.</summary>
    internal static string SetLine(bool csh, string name, string value) =>
        csh ? $"setenv {name} {value};" : $"{name}={value}; export {name};";

    private static int KillAgent(bool csh)
    {
        string? pidText = Environment.GetEnvironmentVariable(Hop.Ssh.Agent.AgentProtocol.AgentPidVariable);
        if (string.IsNullOrEmpty(pidText))
        {
            Console.Error.WriteLine("SSH_AGENT_PID not set, cannot kill agent");
            return 1;
        }
        if (!int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || pid < 2)
        {
            Console.Error.WriteLine($"SSH_AGENT_PID=\"{pidText}\", which is not a good PID");
            return 1;
        }
        if (AgentNative.Kill(pid, AgentNative.SigTerm) != 0)
        {
            Console.Error.WriteLine("kill: " + AgentNative.ErrorText(System.Runtime.InteropServices.Marshal.GetLastPInvokeError()));
            return 1;
        }
        string unset = csh ? "unsetenv" : "unset";
        Console.Out.Write($"{unset} SSH_AUTH_SOCK;\n{unset} SSH_AGENT_PID;\necho Agent pid {pid} killed;\n");
        return 0;
    }

    internal static void PrintUsage()
    {
        Console.Error.WriteLine("usage: hop agent [-c | -s] [-Dd] [-a bind_address] [-E fingerprint_hash]");
        Console.Error.WriteLine("                 [-O option] [-P allowed_providers] [-t life]");
        Console.Error.WriteLine("       hop agent [-a bind_address] [-E fingerprint_hash] [-O option]");
        Console.Error.WriteLine("                 [-P allowed_providers] [-t life] command [arg ...]");
        Console.Error.WriteLine("       hop agent [-c | -s] -k");
    }
}

/// <summary>A bad option value reported on its own line, without the usage text.</summary>
internal sealed class AgentArgumentException(string message) : Exception(message);
