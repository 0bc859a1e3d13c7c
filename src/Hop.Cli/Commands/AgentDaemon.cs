using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Hop.Ssh;
using Hop.Ssh.Agent;
using Hop.Ssh.Config;

namespace Hop.Cli.Commands;

/// <summary>
/// How `hop agent` runs: in the foreground (-D, -d), or as a background process. .NET cannot
/// fork, so the background agent is this program re-executed with an internal flag; it binds its
/// socket, reports "ok PATH" on the pipe its launcher reads, then detaches (stdio to /dev/null,
/// setsid, cwd /) as ssh-agent does after its fork.
/// </summary>
internal static class AgentDaemon
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    public static async Task<int> RunForegroundAsync(AgentCommand.Options o)
    {
        IAgentListener listener;
        try
        {
            listener = CreateListener(o.SocketPath, Environment.ProcessId);
        }
        catch (SshConnectionException e)
        {
            Console.Error.WriteLine("hop: " + e.Message);
            return 1;
        }
        Console.Out.Write(AgentCommand.SetLine(o.CshSyntax, AgentProtocol.AuthSockVariable, listener.Address) + "\n");
        Console.Out.Write($"echo Agent pid {Environment.ProcessId};\n");
        Console.Out.Flush();
        Action<string>? log = o.Debug ? line => Console.Error.WriteLine(line) : null;
        return await ServeAsync(listener, o.LifetimeSeconds, o.AllowedProviders, log, watchPid: 0).ConfigureAwait(false);
    }

    public static async Task<int> LaunchAsync(AgentCommand.Options o)
    {
        var psi = SelfStartInfo();
        psi.ArgumentList.Add(AgentCommand.DaemonFlag);
        psi.ArgumentList.Add(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        psi.ArgumentList.Add((o.Command.Length > 0 ? Environment.ProcessId : 0).ToString(CultureInfo.InvariantCulture));
        psi.ArgumentList.Add(o.SocketPath ?? "");
        psi.ArgumentList.Add(o.LifetimeSeconds?.ToString(CultureInfo.InvariantCulture) ?? "");
        psi.ArgumentList.Add(o.AllowedProviders);
        // All three on pipes of ours: the runtime in the agent keeps a copy of its stderr, which must
        // not be the caller's (a caller reading our output to its end would wait for the agent).
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardInput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        AgentNative.CloseOnExecAboveStdio();
        using var child = Process.Start(psi);
        if (child is null)
        {
            Console.Error.WriteLine("hop: cannot start the agent process");
            return 1;
        }
        child.StandardInput.Close();
        string? line;
        using (var cts = new CancellationTokenSource(StartTimeout))
        {
            try
            {
                line = await child.StandardOutput.ReadLineAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                line = null;
            }
        }
        if (line is null || !line.StartsWith("ok ", StringComparison.Ordinal))
        {
            string why = line is not null && line.StartsWith("error ", StringComparison.Ordinal) ? line[6..] : "the agent did not start";
            Console.Error.WriteLine("hop: " + why);
            if (!child.HasExited) AgentNative.Kill(child.Id, AgentNative.SigTerm);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                string detail = await child.StandardError.ReadToEndAsync(cts.Token).ConfigureAwait(false);
                if (detail.Length > 0) Console.Error.Write(detail);
            }
            catch (OperationCanceledException)
            {
            }
            return 1;
        }
        string path = line[3..];
        int pid = child.Id;
        if (o.Command.Length == 0)
        {
            Console.Out.Write(AgentCommand.SetLine(o.CshSyntax, AgentProtocol.AuthSockVariable, path) + "\n");
            Console.Out.Write(AgentCommand.SetLine(o.CshSyntax, AgentProtocol.AgentPidVariable, pid.ToString(CultureInfo.InvariantCulture)) + "\n");
            Console.Out.Write($"echo Agent pid {pid};\n");
            Console.Out.Flush();
            return 0;
        }
        return await RunCommandAsync(o.Command, path, pid).ConfigureAwait(false);
    }

    private static async Task<int> RunCommandAsync(string[] command, string path, int agentPid)
    {
        var psi = new ProcessStartInfo(command[0]) { UseShellExecute = false };
        foreach (var a in command[1..]) psi.ArgumentList.Add(a);
        psi.Environment[AgentProtocol.AuthSockVariable] = path;
        psi.Environment[AgentProtocol.AgentPidVariable] = agentPid.ToString(CultureInfo.InvariantCulture);
        try
        {
            using var p = Process.Start(psi);
            if (p is null) return 1;
            await p.WaitForExitAsync().ConfigureAwait(false);
            return p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Console.Error.WriteLine($"{command[0]}: {e.Message}");
            return 1;
        }
        finally
        {
            AgentNative.Kill(agentPid, AgentNative.SigTerm);
        }
    }

    /// <summary>The background agent: args are owner pid, pid to watch (0: none), socket path ("" for a fresh one), lifetime ("" for none), allowed providers.</summary>
    public static async Task<int> RunDaemonAsync(string[] args)
    {
        if (args.Length != 5) return 2;
        int owner = int.Parse(args[0], CultureInfo.InvariantCulture);
        int watch = int.Parse(args[1], CultureInfo.InvariantCulture);
        string? path = args[2].Length > 0 ? args[2] : null;
        long? lifetime = args[3].Length > 0 ? long.Parse(args[3], CultureInfo.InvariantCulture) : null;
        IAgentListener listener;
        try
        {
            listener = CreateListener(path, owner);
        }
        catch (SshConnectionException e)
        {
            Console.Out.WriteLine("error " + e.Message);
            Console.Out.Flush();
            return 1;
        }
        Console.Out.WriteLine("ok " + listener.Address);
        Console.Out.Flush();
        if (!OperatingSystem.IsWindows())
        {
            AgentNative.DetachStdio();
            AgentNative.SetSid();
            Directory.SetCurrentDirectory("/");
        }
        return await ServeAsync(listener, lifetime, args[4], log: null, watch).ConfigureAwait(false);
    }

    /// <summary>Serves until SIGTERM, SIGINT or SIGHUP (or the watched process ends); then removes the socket and zeroes the keys.</summary>
    /// <summary>The transport the OS calls for: a Unix socket, or on Windows OpenSSH's named pipe.</summary>
    private static IAgentListener CreateListener(string? path, int ownerPid)
    {
        if (!OperatingSystem.IsWindows()) return UnixSocketAgentListener.Create(path, ownerPid);
        const string prefix = @"\\.\pipe\";
        string name = path is null ? AgentProtocol.WindowsPipeName
            : path.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? path[prefix.Length..] : path;
        return new NamedPipeAgentListener(name);
    }

    private static async Task<int> ServeAsync(IAgentListener listener, long? lifetimeSeconds, string allowedProviders, Action<string>? log, int watchPid)
    {
        using var cts = new CancellationTokenSource();
        void Stop(PosixSignalContext ctx)
        {
            ctx.Cancel = true;
            log?.Invoke($"debug1: received signal {ctx.Signal}; cleaning up");
            cts.Cancel();
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var hup = OperatingSystem.IsWindows() ? null : PosixSignalRegistration.Create(PosixSignal.SIGHUP, Stop);
        using var store = new AgentKeyStore { DefaultLifetime = lifetimeSeconds is long s ? TimeSpan.FromSeconds(s) : null };
        if (log is not null) store.KeyExpired += line => log("debug1: " + line);
        var server = new AgentServer(store, new AskpassConfirmation()) { Log = log, ProviderAllowed = path => SshPattern.MatchList(path, allowedProviders) == 1 };
        if (listener is UnixSocketAgentListener unix) unix.Log = log;
        using var pageant = OperatingSystem.IsWindows() ? StartPageant(server, log) : null;
        Task? watcher = watchPid > 0 ? WatchAsync(watchPid, cts) : null;
        try
        {
            await server.RunAsync(listener, cts.Token).ConfigureAwait(false);
        }
        finally
        {
            await listener.DisposeAsync().ConfigureAwait(false);
            store.RemoveAll();
            if (!cts.IsCancellationRequested) await cts.CancelAsync().ConfigureAwait(false);
            if (watcher is not null) await watcher.ConfigureAwait(false);
        }
        return 0;
    }

    /// <summary>On Windows the agent is PuTTY's Pageant as well, unless a Pageant runs already.</summary>
    [SupportedOSPlatform("windows")]
    private static PageantWindow? StartPageant(AgentServer server, Action<string>? log)
    {
        var window = PageantWindow.Start(server, out string? error);
        log?.Invoke(window is null ? $"debug1: not serving as Pageant: {error}" : "debug1: serving Pageant's clients (PuTTY, Plink, WinSCP) too");
        return window;
    }

    private static async Task WatchAsync(int pid, CancellationTokenSource cts)
    {
        try
        {
            while (!cts.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cts.Token).ConfigureAwait(false);
                if (!AgentNative.IsAlive(pid)) await cts.CancelAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>A start record for this same program (the apphost, or `dotnet hop.dll`).</summary>
    private static ProcessStartInfo SelfStartInfo()
    {
        string exe = Environment.ProcessPath ?? "hop";
        var psi = new ProcessStartInfo(exe);
        if (Path.GetFileNameWithoutExtension(exe) == "dotnet") psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "hop.dll"));
        psi.ArgumentList.Add("agent");
        return psi;
    }
}
