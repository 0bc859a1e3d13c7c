using System.Diagnostics;
using Hop.Cli.Terminal;

namespace Hop.Cli.Commands;

/// <summary>
/// `hop ssh -f`: go to the background after authentication (and, as OpenSSH, after the forwards
/// are set up). .NET cannot fork, so the launcher re-executes this program with the same
/// arguments and a marker in the environment; the child connects, authenticates, sets up the
/// forwards, says "ok" on its stdout pipe, then detaches (stdio to /dev/null, setsid) as
/// OpenSSH's fork_postauth does. The launcher passes on the child's messages and exits 0 on "ok",
/// or with the child's exit status when it failed first.
/// </summary>
internal static class SshForwardingBackground
{
    private const string Marker = "HOP_SSH_BACKGROUND_CHILD";
    private const string PersistMarker = "HOP_SSH_PERSIST_MASTER";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);

    /// <summary>True in the re-executed child.</summary>
    public static bool IsChild => Environment.GetEnvironmentVariable(Marker) == "1";

    /// <summary>
    /// True in a ControlPersist master started by <see cref="LaunchAsync"/>; read once, and the marker
    /// taken out of the environment so that the programs it starts (ProxyCommand, LocalCommand) do not see it.
    /// </summary>
    public static bool IsPersistMaster { get; } = TakeMarker(PersistMarker);

    private static bool TakeMarker(string name)
    {
        bool set = Environment.GetEnvironmentVariable(name) == "1";
        Environment.SetEnvironmentVariable(name, null);
        return set;
    }

    /// <summary>
    /// Re-executes hop with the same arguments in the background and waits until it says it is ready:
    /// for -f, or (<paramref name="persistMaster"/>) as the ControlPersist master the foreground then uses.
    /// </summary>
    public static async Task<int> LaunchAsync(bool persistMaster = false)
    {
        string exe = Environment.ProcessPath ?? "hop";
        var psi = new ProcessStartInfo(exe)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (Path.GetFileNameWithoutExtension(exe) == "dotnet") psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "hop.dll"));
        foreach (var arg in Environment.GetCommandLineArgs().Skip(1)) psi.ArgumentList.Add(arg);
        psi.Environment[persistMaster ? PersistMarker : Marker] = "1";
        AgentNative.CloseOnExecAboveStdio();
        using var child = Process.Start(psi);
        if (child is null)
        {
            Console.Error.WriteLine("hop: cannot start the background process");
            return 255;
        }
        child.StandardInput.Close();
        var stderr = StandardStream.Open(2);
        using var stop = new CancellationTokenSource();
        var errors = child.StandardError.BaseStream.CopyToAsync(stderr, stop.Token);
        string? line;
        using (var timeout = new CancellationTokenSource(StartTimeout))
        {
            try
            {
                line = await child.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                line = null;
            }
        }
        if (line == "ok")
        {
            await stop.CancelAsync().ConfigureAwait(false);
            return 0;
        }
        try
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await child.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            await errors.ConfigureAwait(false);
            return child.ExitCode;
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true);
            return 255;
        }
    }

    /// <summary>In the child, once connected and forwarding: tells the launcher and detaches.</summary>
    public static void Detach()
    {
        if (!IsChild && !IsPersistMaster) return;
        var stdout = StandardStream.Open(1);
        stdout.Write("ok\n"u8);
        stdout.Flush();
        AgentNative.DetachStdio();
        AgentNative.SetSid();
    }
}
