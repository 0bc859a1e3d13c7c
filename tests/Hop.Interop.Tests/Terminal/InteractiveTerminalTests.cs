using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Terminal;

/// <summary>
/// `hop ssh` as an interactive terminal, driven through tmux against a real sshd: PTY size and
/// modes, raw local mode, resizes, Ctrl-C, escapes, and the local terminal put back on every exit.
/// </summary>
public class InteractiveTerminalTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;
    private readonly List<string> _dirs = [];

    public async Task InitializeAsync() => _sshd = await SshdServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _sshd.DisposeAsync();
        foreach (var d in _dirs) try { Directory.Delete(d, recursive: true); } catch (IOException) { }
    }

    private Task<(TmuxPane Pane, string Dir)> StartAsync(params string[] extra) => HopInTmux.StartAsync(_sshd, _dirs, extra);

    private static Task<int> WaitForExitAsync(TmuxPane pane, string dir, int seconds = 30) => HopInTmux.WaitForExitAsync(pane, dir, seconds);

    private static void AssertRestored(string dir) => HopInTmux.AssertRestored(dir);

    private static async Task<bool> ProcessRunningAsync(string pattern) =>
        (await ProcessRunner.RunAsync("/usr/bin/pgrep", ["-f", pattern])).ExitCode == 0;

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException(what);
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task ShellHasPtyOfPaneSizeFollowsResizeTakesCtrlCAndTildeDotDisconnects()
    {
        var (pane, dir) = await StartAsync();
        await using (pane)
        {
            await pane.TypeLineAsync("echo RE$((1+1))ADY");
            await pane.WaitForAsync("RE2ADY");

            // The local terminal is raw while hop runs.
            var local = await ProcessRunner.RunAsync("/usr/bin/stty", ["-a", "-F", await pane.TtyAsync()]);
            Assert.Contains("-icanon", local.Stdout, StringComparison.Ordinal);
            Assert.Contains("-isig", local.Stdout, StringComparison.Ordinal);
            Assert.Contains("-echo ", local.Stdout, StringComparison.Ordinal);

            // The remote PTY has the pane's size and the local terminal's modes (IUTF8 included).
            await pane.TypeLineAsync("stty -a; echo S$((1+1))E");
            var screen = await pane.WaitForAsync("S2E");
            Assert.Contains("rows 30; columns 100", screen, StringComparison.Ordinal);
            Assert.Contains("intr = ^C", screen, StringComparison.Ordinal);
            Assert.Contains(" icanon", screen, StringComparison.Ordinal);
            bool localUtf8 = !File.ReadAllText(Path.Combine(dir, "before-a")).Contains("-iutf8", StringComparison.Ordinal);
            Assert.Equal(localUtf8, !screen.Contains("-iutf8", StringComparison.Ordinal));

            await pane.TypeLineAsync("stty size");
            await pane.WaitForAsync("30 100");
            await pane.ResizeAsync(120, 40);
            await Task.Delay(200);
            await pane.TypeLineAsync("stty size");
            await pane.WaitForAsync("40 120");

            // Ctrl-C reaches the remote program.
            await pane.TypeLineAsync("sleep 4242");
            await WaitUntilAsync(() => ProcessRunningAsync("^sleep 4242$"), "remote sleep did not start");
            await pane.SendKeysAsync("C-c");
            await pane.TypeLineAsync("echo I$((1+1))N");
            await pane.WaitForAsync("I2N");
            Assert.False(await ProcessRunningAsync("^sleep 4242$"));

            // ~. disconnects: exit 255, terminal restored.
            await pane.SendKeysAsync("Enter");
            await pane.SendKeysAsync("-l", "~.");
            Assert.Equal(255, await WaitForExitAsync(pane, dir));
            AssertRestored(dir);
        }
    }

    [Fact]
    public async Task EscapesHelpTildeTildeCtrlDAndExitStatusWithTerminalRestored()
    {
        var (pane, dir) = await StartAsync("-v");
        await using (pane)
        {
            await pane.TypeLineAsync("echo RE$((1+1))ADY");
            await pane.WaitForAsync("RE2ADY");
            // Even with -v writing to stderr, .NET's Console did not switch the keypad to application mode.
            Assert.Equal("0", await pane.FormatAsync("#{keypad_cursor_flag}"));
            Assert.Equal("0", await pane.FormatAsync("#{keypad_flag}"));
            await pane.SendKeysAsync("-l", "~?");
            await pane.WaitForAsync("Supported escape sequences");

            // ~~ sends one tilde; Ctrl-D ends cat.
            await pane.TypeLineAsync("cat");
            await Task.Delay(300);
            await pane.SendKeysAsync("-l", "~~abc");
            await pane.SendKeysAsync("Enter");
            var screen = await pane.WaitForAsync("~abc\n~abc");
            Assert.DoesNotContain("~~abc", screen, StringComparison.Ordinal);
            await pane.SendKeysAsync("C-d");
            await pane.TypeLineAsync("echo C$((1+1))D");
            await pane.WaitForAsync("C2D");

            await pane.TypeLineAsync("exit 7");
            Assert.Equal(7, await WaitForExitAsync(pane, dir));
            AssertRestored(dir);
            await pane.WaitForAsync("Connection to 127.0.0.1 closed.");
        }
    }

    [Fact]
    public async Task DroppedConnectionRestoresTerminal()
    {
        var (pane, dir) = await StartAsync();
        await using (pane)
        {
            await pane.TypeLineAsync("echo RE$((1+1))ADY");
            await pane.WaitForAsync("RE2ADY");
            await pane.TypeLineAsync("kill -9 $PPID");
            Assert.Equal(255, await WaitForExitAsync(pane, dir));
            AssertRestored(dir);
        }
    }

    [Fact]
    public async Task SigtermRestoresTerminal()
    {
        string marker = "HOP_MARK=" + Guid.NewGuid().ToString("N");
        var (pane, dir) = await StartAsync("-o", "SetEnv=" + marker);
        await using (pane)
        {
            await pane.TypeLineAsync("echo RE$((1+1))ADY");
            await pane.WaitForAsync("RE2ADY");
            var pids = await ProcessRunner.RunAsync("/usr/bin/pgrep", ["-f", "SetEnv=" + marker]);
            var pid = pids.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).Single(p =>
                File.ReadAllText($"/proc/{p}/cmdline").StartsWith(TestPaths.HopBinary, StringComparison.Ordinal));
            await ProcessRunner.RunCheckedAsync("/bin/kill", "-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.NotEqual(0, await WaitForExitAsync(pane, dir));
            AssertRestored(dir);
        }
    }

    [Fact]
    public async Task DashTGivesNoPty()
    {
        var (pane, dir) = await StartAsync("-T");
        await using (pane)
        {
            await pane.TypeLineAsync("tty; echo T$((1+1))T");
            var screen = await pane.WaitForAsync("T2T");
            Assert.Contains("not a tty", screen, StringComparison.Ordinal);
            await pane.TypeLineAsync("exit 3");
            Assert.Equal(3, await WaitForExitAsync(pane, dir));
            AssertRestored(dir);
        }
    }
}
