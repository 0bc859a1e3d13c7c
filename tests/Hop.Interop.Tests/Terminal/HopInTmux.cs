using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Terminal;

/// <summary>
/// `hop ssh` started in a tmux pane through a script that records `stty -g` before and after and
/// hop's exit code, for the terminal tests.
/// </summary>
internal static class HopInTmux
{
    /// <summary>Starts hop in a 100x30 pane; <paramref name="dirs"/> collects the temp dir for the caller to delete.</summary>
    public static Task<(TmuxPane Pane, string Dir)> StartAsync(SshdServer sshd, List<string> dirs, params string[] extra) =>
        StartWithCommandAsync(sshd, dirs, extra, []);

    /// <summary>As <see cref="StartAsync"/>, and waits until the remote shell has answered a first command.</summary>
    public static async Task<(TmuxPane Pane, string Dir)> StartReadyAsync(SshdServer sshd, List<string> dirs, params string[] extra)
    {
        var (pane, dir) = await StartAsync(sshd, dirs, extra);
        await pane.TypeLineAsync("echo RE$((1+1))ADY");
        await pane.WaitForAsync("RE2ADY");
        return (pane, dir);
    }

    /// <summary>As <see cref="StartAsync"/>, with <paramref name="command"/> after the host: a remote command instead of a shell.</summary>
    public static async Task<(TmuxPane Pane, string Dir)> StartWithCommandAsync(SshdServer sshd, List<string> dirs, string[] extra, string[] command)
    {
        var dir = TestPaths.NewTempDir("hop-term-");
        dirs.Add(dir);
        var args = await HopCli.SshArgsAsync(sshd.Port, sshd.User, sshd.KnownHostsPath);
        args.InsertRange(1, extra);
        args.AddRange(command);
        string quoted = string.Join(' ', args.Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
        string script = Path.Combine(dir, "run.sh");
        File.WriteAllText(script,
            "#!/bin/sh\n" +
            $"D='{dir}'\n" +
            "stty -g > \"$D/before\"\nstty -a > \"$D/before-a\"\n" +
            "unset SSH_AUTH_SOCK DISPLAY SSH_ASKPASS\n" +
            $"'{TestPaths.HopBinary}' {quoted}\n" +
            "echo $? > \"$D/code.tmp\"\n" +
            "stty -g > \"$D/after\"\n" +
            "mv \"$D/code.tmp\" \"$D/code\"\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_000_000);
        var pane = await TmuxPane.StartAsync(script);
        return (pane, dir);
    }

    /// <summary>True once hop has exited (its exit code is written).</summary>
    public static bool Exited(string dir) => File.Exists(Path.Combine(dir, "code"));

    public static async Task<int> WaitForExitAsync(TmuxPane pane, string dir, int seconds = 30)
    {
        var file = Path.Combine(dir, "code");
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!File.Exists(file))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("hop did not exit:\n" + await pane.CaptureAsync());
            await Task.Delay(100);
        }
        return int.Parse(File.ReadAllText(file).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static void AssertRestored(string dir)
    {
        string before = File.ReadAllText(Path.Combine(dir, "before")).Trim();
        string after = File.ReadAllText(Path.Combine(dir, "after")).Trim();
        Assert.NotEqual("", before);
        Assert.Equal(before, after);
    }
}
