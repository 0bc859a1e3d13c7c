using System.Globalization;
using Hop.Ssh;
using Hop.Ssh.Client;
using Hop.Ssh.Config;
using Hop.Ssh.Connection;

namespace Hop.Cli.Commands;

/// <summary>What every host of one `hop run` shares.</summary>
internal sealed record RunSettings(RunArguments Arguments, int HostCount, byte[]? Input, string? Password, RunConsole Console);

/// <summary>
/// One host of `hop run`: connects as `hop ssh -T` would, in this process, with parallel-ssh's
/// ssh options, runs the command and ends with ssh's exit status, or is killed at the timeout.
/// </summary>
internal sealed class RunJob(RunHost host, string fileName, RunSettings settings)
{
    public string Name { get; } = host.PrettyName(settings.Arguments.User);

    /// <summary>What ssh would have exited with: the command's status, 255 for ssh's own failures; null when never started.</summary>
    public int? Status { get; private set; }

    /// <summary>Ended by the timeout or an interrupt (parallel-ssh kills its ssh then).</summary>
    public bool Killed { get; private set; }

    public List<string> Failures { get; } = [];

    /// <summary>Never started: interrupted while waiting for its turn.</summary>
    public bool Cancelled { get; private set; }

    public void Cancel()
    {
        Cancelled = true;
        Failures.Add("Cancelled");
    }

    /// <summary>Reports a job that <see cref="Cancel"/> ended.</summary>
    public void ReportCancelled() => settings.Console.Report(Name, Failures, null, null);

    public async Task RunAsync(int nodeNumber, CancellationToken interrupt)
    {
        var args = settings.Arguments;
        using var stdout = new RunOutput(args.Inline || args.InlineStdout, args.OutDir, fileName, args.Print ? settings.Console : null, host.Host);
        using var stderr = new RunOutput(args.Inline, args.ErrDir, fileName, null, host.Host);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(interrupt);
        if (args.TimeoutSeconds > 0) timeout.CancelAfter(TimeSpan.FromSeconds(args.TimeoutSeconds));
        var log = new DiagnosticLog(0, quiet: false, new RunOutputWriter(stderr));
        try
        {
            Status = await ConnectAndRunAsync(nodeNumber, stdout, stderr, log, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception) when (timeout.IsCancellationRequested)
        {
            // parallel-ssh kills its ssh (SIGKILL) then; at a timeout it reports the signal too.
            Killed = true;
            if (interrupt.IsCancellationRequested) Failures.Add("Interrupted");
            else Failures.AddRange(["Timed out", "Killed by signal 9"]);
        }
        catch (Exception e) when (e is SshException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            log.Error(e);
            Status = 255;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // One host's surprise must not end the others: ssh would have died with it, so 255.
            stderr.Write($"hop: {Program.Describe(e)}\n");
            if (args.Verbose) stderr.Write(e + "\n");
            Status = 255;
        }
        finally
        {
            stdout.Finish();
            stderr.Finish();
        }
        if (Status > 0) Failures.Add($"Exited with error code {Status.Value.ToString(CultureInfo.InvariantCulture)}");
        settings.Console.Report(Name, Failures,
            args.Inline || args.InlineStdout ? stdout.Kept : null,
            args.Inline ? stderr.Kept : null);
        if (stdout.Truncated || stderr.Truncated)
            Console.Error.WriteLine($"hop: output of {Name} passed {RunOutput.KeepLimit / (1024 * 1024)} MiB; only its start is shown{(args.OutDir is null ? " (-o keeps all of it)" : "")}");
    }

    /// <summary>ssh's command line for this host, as parallel-ssh builds it: `ssh -T host -o ... [-l user] [-p port] extra command`.</summary>
    private List<string> SshCommandLine()
    {
        var args = settings.Arguments;
        var argv = new List<string> { "-T", host.Host, "-o", "NumberOfPasswordPrompts=1" };
        foreach (var option in args.SshOptions) argv.AddRange(["-o", option]);
        if (host.User is not null) argv.AddRange(["-l", host.User]);
        if (host.Port is not null) argv.AddRange(["-p", host.Port]);
        argv.AddRange(args.ExtraArgs);
        if (args.Command.Length > 0) argv.Add(args.Command);
        return argv;
    }

    private async Task<int> ConnectAndRunAsync(int nodeNumber, RunOutput stdout, RunOutput stderr, DiagnosticLog log, CancellationToken ct)
    {
        SshArguments a;
        try
        {
            a = SshArguments.Parse([.. SshCommandLine()]);
        }
        catch (UsageException e)
        {
            stderr.Write($"hop ssh: {e.Message}\n");
            return 255;
        }
        if (a.FlagError is not null)
        {
            stderr.Write(a.FlagError + "\n");
            return 255;
        }
        // ssh's -v and -q among -x's arguments: debug lines, or none, in this host's stderr.
        if (a.Quiet) log.AdjustVerbosity(-1);
        else if (a.Verbose > 0) log.AdjustVerbosity(a.Verbose);
        a.UnattendedPrompter = new RunPrompter(settings.Password, log);
        var c = SshCommand.ResolveDestination(a, log);
        log = log.WithLogLevel(c.LogLevel);
        var client = await SshCommand.ConnectAsync(a, c, log, ct).ConfigureAwait(false);
        await using (client.ConfigureAwait(false))
        {
            return await RunRemoteAsync(a, c, client, nodeNumber, new ChannelSinks(stdout, stderr), log, ct).ConfigureAwait(false);
        }
    }

    private async Task<int> RunRemoteAsync(SshArguments a, ResolvedConfig c, SshClient client, int nodeNumber, ChannelSinks sinks, DiagnosticLog log, CancellationToken ct)
    {
        await using var session = await client.Connection.OpenSessionAsync(sinks, ct).ConfigureAwait(false);
        if (SshAgentUse.ForwardSocket(c) is { } forward)
        {
            AgentForwarding.Enable(client.Connection, forward, log.Sink);
            await session.RequestAgentForwardingAsync(cancellationToken: ct).ConfigureAwait(false);
        }
        foreach (var (name, value) in SshCommand.EnvironmentToSend(c)) await session.SetEnvAsync(name, value, cancellationToken: ct).ConfigureAwait(false);
        // parallel-ssh's SendEnv of its own variables (the server keeps them only with AcceptEnv).
        await session.SetEnvAsync("PSSH_NODENUM", nodeNumber.ToString(CultureInfo.InvariantCulture), cancellationToken: ct).ConfigureAwait(false);
        await session.SetEnvAsync("PSSH_NUMNODES", settings.HostCount.ToString(CultureInfo.InvariantCulture), cancellationToken: ct).ConfigureAwait(false);
        await session.SetEnvAsync("PSSH_HOST", host.Host, cancellationToken: ct).ConfigureAwait(false);
        // -x -tt: a PTY, so that the remote command gets SIGHUP when the connection ends (parallel-ssh's tip).
        if (a.ForceTty >= 2 && !await session.RequestPtyAsync(Environment.GetEnvironmentVariable("TERM") ?? "", 0, 0, 0, 0, cancellationToken: ct).ConfigureAwait(false))
            log.Say("PTY allocation request failed");
        string command = string.Join(' ', a.Command);
        log.Write(1, command.Length > 0 ? $"Sending command: {command}" : "Requesting shell.");
        await (command.Length > 0 ? session.ExecAsync(command, ct) : session.ShellAsync(ct)).ConfigureAwait(false);
        if (settings.Input is { Length: > 0 } input) await session.WriteAsync(input, ct).ConfigureAwait(false);
        await session.SendEofAsync(ct).ConfigureAwait(false);
        var exit = await session.Exit.WaitAsync(ct).ConfigureAwait(false);
        await session.SinksWritten.WaitAsync(TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
        if (exit.Signal is { } signal)
        {
            log.Write(1, $"remote command killed by signal {signal.SignalName}");
            return 255;
        }
        return exit.ExitStatus ?? 255;
    }
}
