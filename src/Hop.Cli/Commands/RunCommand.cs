using System.Runtime.InteropServices;
using Hop.Cli.Terminal;

namespace Hop.Cli.Commands;

/// <summary>
/// `hop run`: one command on many hosts at once, as parallel-ssh (pssh) runs it — its options,
/// hosts files, reports, -o/-e output folders and exit statuses — with every connection made in
/// this one process instead of an ssh process per host.
/// </summary>
internal static class RunCommand
{
    /// <summary>The most standard input -I sends to every host; more is refused.</summary>
    public const int MaxInputBytes = 256 * 1024 * 1024;

    public static async Task<int> RunAsync(string[] argv)
    {
        RunArguments args;
        try
        {
            args = RunArguments.Parse(argv, Environment.GetEnvironmentVariable);
            if (args.Help || args.Version) return PrintHelp(args);
            if (args.Command.Length == 0 && !args.SendInput) throw new UsageException("Command not specified.");
            if (args.HostFiles.Count == 0 && args.HostStrings.Count == 0) throw new UsageException("Hosts not specified.");
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine(RunArguments.Usage);
            Console.Error.WriteLine($"hop run: {e.Message}");
            return 2;
        }
        try
        {
            var hosts = ReadHosts(args);
            if (args.OutDir is not null) Directory.CreateDirectory(args.OutDir);
            if (args.ErrDir is not null) Directory.CreateDirectory(args.ErrDir);
            byte[]? input = args.SendInput ? ReadInput() : null;
            string? password = args.AskPassword ? AskPassword() : null;
            var settings = new RunSettings(args, hosts.Count, input, password, RunConsole.ForStandardOutput());
            var jobs = Jobs(hosts, settings);
            await RunAllAsync(jobs, args.Parallelism).ConfigureAwait(false);
            return ExitStatus(jobs);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or RunException)
        {
            Console.Error.WriteLine($"hop run: {e.Message}");
            return 1;
        }
    }

    private static int PrintHelp(RunArguments args)
    {
        if (args.Version)
        {
            Console.Out.WriteLine($"hop {typeof(RunCommand).Assembly.GetName().Version?.ToString(3)}");
            return 0;
        }
        Console.Out.WriteLine(RunArguments.Usage);
        Console.Out.WriteLine("""

            Runs the command on every host at once (at most -p, default 32) and reports each as it ends,
            as parallel-ssh does; the connections are hop ssh's, made in this one process.
              -h FILE     hosts file: one "[user@]host[:port]" per line, # comments (may repeat)
              -H HOSTS    "[user@]host[:port] ..." (may repeat)     -g GLOB   only hosts that match
              -l USER     user for hosts that name none             -p N      at most N at once (32)
              -t SECS     kill a host's connection after SECS (60; 0: never)
              -o DIR      each host's stdout to DIR/host            -e DIR    its stderr to DIR/host
              -i          show each host's stdout and stderr when it ends (--inline-stdout: stdout only)
              -P          print output lines as they come, "host: line"
              -I          send our standard input to every host     -A        ask a password once, for all
              -O OPTION   ssh option (ssh -o)     -x ARGS / -X ARG   more hop ssh arguments
            Exit status: 0 all succeeded, 1 error, 2 usage, 3 a host timed out or was interrupted,
            4 ssh failed on a host (255), 5 a command exited non-zero.
            """);
        return 0;
    }

    private static List<RunHost> ReadHosts(RunArguments args)
    {
        var hosts = new List<RunHost>();
        foreach (var file in args.HostFiles)
        {
            try
            {
                hosts.AddRange(RunHosts.ReadFile(file, args.HostGlob, args.User, Console.Error));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new RunException($"could not open hosts file: {e.Message}");
            }
        }
        foreach (var s in args.HostStrings) hosts.AddRange(RunHosts.ParseString(s, args.User));
        return hosts;
    }

    /// <summary>A job per host, each with its output file name: the host's name, ".N" after the first use of it.</summary>
    private static List<RunJob> Jobs(List<RunHost> hosts, RunSettings settings)
    {
        var uses = new Dictionary<string, int>(StringComparer.Ordinal);
        var jobs = new List<RunJob>(hosts.Count);
        foreach (var host in hosts)
        {
            string name = SafeFileName(host.PrettyName(settings.Arguments.User));
            uses.TryGetValue(name, out int used);
            uses[name] = used + 1;
            jobs.Add(new RunJob(host, used == 0 ? name : $"{name}.{used}", settings));
        }
        return jobs;
    }

    /// <summary>
    /// A host name as a file name in -o/-e: no folder separators, never "." or "..". On Windows,
    /// also none of the characters a file name may not hold there (the ":" before a port would
    /// name an alternate data stream).
    /// </summary>
    internal static string SafeFileName(string name)
    {
        var invalid = OperatingSystem.IsWindows() ? [.. Path.GetInvalidFileNameChars(), ':'] : new[] { '/', '\0' };
        foreach (char c in invalid) name = name.Replace(c, '_');
        return name is "." or ".." ? name.Replace('.', '_') : name;
    }

    /// <summary>Starts jobs in order, at most <paramref name="parallelism"/> at once; Ctrl-C interrupts the running ones and cancels the rest.</summary>
    private static async Task RunAllAsync(List<RunJob> jobs, int parallelism)
    {
        using var interrupt = new CancellationTokenSource();
        using var turns = new SemaphoreSlim(parallelism);
        int started = 0;
        // A signal registration, not Console.CancelKeyPress, which initialises the terminal as .NET's
        // Console does (keypad-transmit mode, left behind).
        var onCancel = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx =>
        {
            ctx.Cancel = true;
            interrupt.Cancel();
        });
        try
        {
            await Task.WhenAll(jobs.Select(async job =>
            {
                try
                {
                    await turns.WaitAsync(interrupt.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    job.Cancel();
                    return;
                }
                // The turn may have come from a host that the interrupt had just ended, before the
                // interrupt reached this wait: a host still waiting then is cancelled all the same.
                if (interrupt.IsCancellationRequested)
                {
                    turns.Release();
                    job.Cancel();
                    return;
                }
                try
                {
                    await job.RunAsync(Interlocked.Increment(ref started) - 1, interrupt.Token).ConfigureAwait(false);
                }
                finally
                {
                    turns.Release();
                }
            })).ConfigureAwait(false);
        }
        finally
        {
            onCancel.Dispose();
        }
        // As parallel-ssh: the hosts that never started are reported after the interrupted ones.
        foreach (var job in jobs.Where(j => j.Cancelled)) job.ReportCancelled();
    }

    /// <summary>
    /// parallel-ssh's, as its manual gives them: 3 when a host was killed (timed out or interrupted),
    /// else 4 when ssh failed (255), else 5 when a command failed (or a host never started), else 0.
    /// (parallel-ssh 2.3 itself exits 5 after Ctrl-C, as it never records the interrupted hosts' status.)
    /// </summary>
    internal static int ExitStatus(IReadOnlyList<RunJob> jobs)
    {
        if (jobs.Any(j => j.Killed)) return 3;
        if (jobs.Any(j => j.Status == 255)) return 4;
        if (jobs.Any(j => j.Status is not 0)) return 5;
        return 0;
    }

    private static byte[] ReadInput()
    {
        using var stdin = StandardStream.Open(0);
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int n;
        while ((n = stdin.Read(chunk)) > 0)
        {
            if (buffer.Length + n > MaxInputBytes) throw new RunException($"standard input is larger than {MaxInputBytes / (1024 * 1024)} MiB (-I sends all of it to every host)");
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    private static string AskPassword()
    {
        Console.Error.WriteLine("Warning: do not enter your password if anyone else has superuser privileges or access to your account.");
        return Terminal.Prompter.ReadSecret("Password: ") ?? throw new RunException("no password given");
    }
}

/// <summary>A `hop run` failure before any host starts: one line, exit status 1.</summary>
internal sealed class RunException(string message) : Exception(message);
