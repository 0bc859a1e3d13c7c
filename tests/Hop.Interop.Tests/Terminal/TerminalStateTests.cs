using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Terminal;

/// <summary>
/// What hop leaves behind on the user's terminal, driven through tmux: no keypad mode from .NET's
/// Console after any command, and the echo back on after a passphrase prompt, even one ended by Ctrl-C.
/// </summary>
public class TerminalStateTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;
    private readonly List<string> _dirs = [];

    public async Task InitializeAsync() => _sshd = await SshdServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _sshd.DisposeAsync();
        foreach (var d in _dirs) try { Directory.Delete(d, recursive: true); } catch (IOException) { }
    }

    private string NewDir()
    {
        var dir = TestPaths.NewTempDir("hop-termstate-");
        _dirs.Add(dir);
        return dir;
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static async Task AssertKeypadUntouchedAsync(TmuxPane pane)
    {
        // ESC[?1h and ESC= (keypad-transmit mode), which .NET's Console writes on its first use of a terminal.
        Assert.Equal("0", await pane.FormatAsync("#{keypad_cursor_flag}"));
        Assert.Equal("0", await pane.FormatAsync("#{keypad_flag}"));
    }

    [Fact]
    public async Task PrintingCommandsLeaveTheKeypadAlone()
    {
        string hop = Quote(TestPaths.HopBinary);
        string key = await TestKeys.UserKeyAsync();
        string[] run =
        [
            "run", "-H", $"127.0.0.1:{_sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}", "-l", _sshd.User, "-x", "-F /dev/null",
            "-O", $"IdentityFile={key}", "-O", "IdentitiesOnly=yes", "-O", $"UserKnownHostsFile={_sshd.KnownHostsPath}", "-i", "echo RAN",
        ];
        await using var pane = await TmuxPane.StartAsync(
            $"{hop} -V; {hop} keygen -l -f {Quote(key + ".pub")}; {hop} --help >/dev/null; {hop} nosuchcommand; " +
            $"{hop} {string.Join(' ', run.Select(Quote))}; echo DO''NE; sleep 60");
        var screen = await pane.WaitForAsync("DONE");
        Assert.Contains("SHA256:", screen, StringComparison.Ordinal);
        Assert.Contains("hop: unknown command", screen, StringComparison.Ordinal);
        Assert.Contains("[SUCCESS]", screen, StringComparison.Ordinal);
        await AssertKeypadUntouchedAsync(pane);
    }

    [Fact]
    public async Task InteractiveSftpLeavesTheKeypadAlone()
    {
        string[] args =
        [
            "sftp", "-F", "/dev/null", "-P", _sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", await TestKeys.UserKeyAsync(),
            "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={_sshd.KnownHostsPath}", "-o", "StrictHostKeyChecking=yes",
            $"{_sshd.User}@127.0.0.1",
        ];
        await using var pane = await TmuxPane.StartAsync($"{Quote(TestPaths.HopBinary)} {string.Join(' ', args.Select(Quote))}; echo EXIT=$?; sleep 60");
        await pane.WaitForAsync("sftp>");
        await pane.TypeLineAsync("pwd");
        await pane.WaitForAsync("Remote working directory");
        await AssertKeypadUntouchedAsync(pane);
        await pane.TypeLineAsync("bye");
        Assert.Contains("EXIT=0", await pane.WaitForAsync("EXIT="), StringComparison.Ordinal);
        await AssertKeypadUntouchedAsync(pane);
    }

    [Fact]
    public async Task KeygenAsksForTheFileAndPassphraseOnTheTerminalAndLeavesTheKeypadAlone()
    {
        string dir = NewDir();
        string key = Path.Combine(dir, "id_new");
        await using var pane = await TmuxPane.StartAsync(
            $"{Quote(TestPaths.HopBinary)} keygen -t ed25519 -C t; echo EXIT=$?; sleep 60");
        // The file name from stdin, as ssh-keygen's; then the passphrase from the terminal, unechoed.
        await pane.WaitForAsync("Enter file in which to save the key");
        await pane.TypeLineAsync(key);
        await pane.WaitForAsync("Enter passphrase");
        await pane.TypeLineAsync("terminal-pass");
        await pane.WaitForAsync("Enter same passphrase");
        await pane.TypeLineAsync("terminal-pass");
        var screen = await pane.WaitForAsync("EXIT=");
        Assert.Contains("EXIT=0", screen, StringComparison.Ordinal);
        Assert.DoesNotContain("terminal-pass", screen, StringComparison.Ordinal);
        await AssertKeypadUntouchedAsync(pane);
        // OpenSSH opens the key with that passphrase, and not without it.
        var right = await ProcessRunner.RunAsync("/usr/bin/ssh-keygen", ["-y", "-P", "terminal-pass", "-f", key]);
        Assert.True(right.ExitCode == 0, right.ToString());
        var wrong = await ProcessRunner.RunAsync("/usr/bin/ssh-keygen", ["-y", "-P", "", "-f", key]);
        Assert.NotEqual(0, wrong.ExitCode);
    }

    [Fact]
    public async Task CtrlCAtTheKeyPassphrasePromptPutsTheEchoBack()
    {
        string dir = NewDir();
        string key = Path.Combine(dir, "id_locked");
        var made = await ProcessRunner.RunAsync("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "locked-pass", "-C", "locked", "-f", key]);
        Assert.True(made.ExitCode == 0, made.ToString());
        File.AppendAllText(_sshd.AuthorizedKeysPath, File.ReadAllText(key + ".pub"));
        // The encrypted key is offered first; the server takes it, so hop asks for its passphrase. The
        // script traps SIGINT so that it outlives the Ctrl-C that ends hop, and records the terminal.
        var args = new List<string>
        {
            "ssh", "-F", "/dev/null", "-p", _sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", key,
            "-o", "IdentitiesOnly=yes", "-o", $"UserKnownHostsFile={_sshd.KnownHostsPath}", "-o", "StrictHostKeyChecking=yes",
            "-l", _sshd.User, "127.0.0.1", "true",
        };
        string script = Path.Combine(dir, "run.sh");
        File.WriteAllText(script,
            "#!/bin/sh\n" +
            "trap 'echo INT' INT\n" +
            $"stty -g > {Quote(Path.Combine(dir, "before"))}\n" +
            $"{Quote(TestPaths.HopBinary)} {string.Join(' ', args.Select(Quote))}\n" +
            $"echo $? > {Quote(Path.Combine(dir, "code.tmp"))}\n" +
            $"stty -g > {Quote(Path.Combine(dir, "after"))}\n" +
            $"mv {Quote(Path.Combine(dir, "code.tmp"))} {Quote(Path.Combine(dir, "code"))}\n" +
            "sleep 60\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_000_000);
        await using var pane = await TmuxPane.StartAsync(script);
        await pane.WaitForAsync($"Enter passphrase for key '{key}'");
        await pane.SendKeysAsync("C-c");
        Assert.Equal(130, await HopInTmux.WaitForExitAsync(pane, dir)); // ended by SIGINT, as ssh
        HopInTmux.AssertRestored(dir);
    }
}
