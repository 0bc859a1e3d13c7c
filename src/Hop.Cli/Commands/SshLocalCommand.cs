using System.Diagnostics;
using Hop.Ssh.Config;

namespace Hop.Cli.Commands;

/// <summary>
/// LocalCommand (with PermitLocalCommand yes): once connected, before the session, ssh runs the
/// command with the user's shell ($SHELL -c, /bin/sh without one; cmd.exe /c on Windows) on its
/// own stdin, stdout and stderr, and waits for it.
/// </summary>
internal static class SshLocalCommand
{
    /// <param name="tunnelDevice">The -w device, for %T ("NONE" without one).</param>
    public static void RunIfPermitted(ResolvedConfig c, DiagnosticLog log, string? tunnelDevice = null)
    {
        if (!c.PermitLocalCommand || c.ExpandLocalCommand(tunnelDevice) is not { } command) return;
        var psi = OperatingSystem.IsWindows()
            ? new ProcessStartInfo(Environment.GetEnvironmentVariable("ComSpec") ?? "cmd.exe")
            : new ProcessStartInfo(Environment.GetEnvironmentVariable("SHELL") is { Length: > 0 } shell ? shell : "/bin/sh");
        psi.ArgumentList.Add(OperatingSystem.IsWindows() ? "/c" : "-c");
        psi.ArgumentList.Add(command);
        psi.UseShellExecute = false;
        log.Write(3, $"Executing {psi.FileName} {psi.ArgumentList[0]} \"{command}\"");
        try
        {
            using var process = Process.Start(psi);
            process?.WaitForExit();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            log.Say($"Couldn't execute {psi.FileName} -c \"{command}\": {e.Message}");
        }
    }
}
