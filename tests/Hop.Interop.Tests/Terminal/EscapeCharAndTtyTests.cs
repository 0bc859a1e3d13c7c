using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Hop.Interop.Tests.Fixtures;
using Hop.Interop.Tests.Forwarding;

namespace Hop.Interop.Tests.Terminal;

/// <summary>
/// More of `hop ssh`'s terminal, driven through tmux against a real sshd: "~#" lists the open
/// channels as ssh does, -t and RequestTTY=force give a remote command a PTY, another escape
/// character (-e) or none (EscapeChar none), and Ctrl-Z stopping the remote program, not hop.
/// </summary>
public class EscapeCharAndTtyTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;
    private readonly List<string> _dirs = [];
    private int _marks;

    public async Task InitializeAsync() => _sshd = await SshdServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _sshd.DisposeAsync();
        foreach (var d in _dirs) try { Directory.Delete(d, recursive: true); } catch (IOException) { }
    }

    private Task<(TmuxPane Pane, string Dir)> StartReadyAsync(params string[] extra) => HopInTmux.StartReadyAsync(_sshd, _dirs, extra);

    /// <summary>Types a line the remote shell echoes as a new mark, and returns the screen once it shows.</summary>
    private async Task<string> MarkAsync(TmuxPane pane)
    {
        int n = ++_marks;
        await pane.TypeLineAsync($"echo MA$(({n}+1000))RK");
        string mark = $"MA{(n + 1000).ToString(CultureInfo.InvariantCulture)}RK";
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            string screen = await pane.CaptureJoinedAsync();
            int at = screen.LastIndexOf(mark, StringComparison.Ordinal);
            // The typed line holds "MA$((...", the shell's answer the mark itself.
            if (at >= 0) return screen[..at];
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no {mark} on the screen:\n{screen}");
            await Task.Delay(100);
        }
    }

    /// <summary>Types "~#" on a new line and returns the list it printed (complete, as the shell answered after it).</summary>
    private async Task<string> ListChannelsAsync(TmuxPane pane)
    {
        await pane.SendKeysAsync("Enter");
        await pane.SendKeysAsync("-l", "~#");
        string screen = await MarkAsync(pane);
        int at = screen.LastIndexOf("~#\nThe following connections are open:\n", StringComparison.Ordinal);
        Assert.True(at >= 0, "no ~# list on the screen:\n" + screen);
        return screen[at..];
    }

    /// <summary>Connects to the echo server through a forward and sees one round trip, so the channel is open.</summary>
    private static async Task<TcpClient> ConnectAndPingAsync(int port)
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync("ping"u8.ToArray());
        var buffer = new byte[4];
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
            await stream.ReadExactlyAsync(buffer, timeout.Token);
        Assert.Equal("ping"u8.ToArray(), buffer);
        return client;
    }

    private static async Task<int?> ProcessIdAsync(string pattern)
    {
        var r = await ProcessRunner.RunAsync("/usr/bin/pgrep", ["-f", pattern]);
        return r.ExitCode == 0 ? int.Parse(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture) : null;
    }

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
    public async Task TildeHashListsTheSessionAndEachForwardedConnectionAsSshDoes()
    {
        await using var echo = TestTcpServer.StartEcho();
        int port = TestPaths.FreeTcpPort();
        int remotePort = TestPaths.FreeTcpPort();
        var (pane, dir) = await StartReadyAsync("-L", $"{port}:127.0.0.1:{echo.Port}", "-R", $"{remotePort}:127.0.0.1:{echo.Port}");
        await using (pane)
        {
            // Before any connection: the session alone.
            string list = await ListChannelsAsync(pane);
            Assert.Matches(@"\n  #0 client-session \(\[session\] r\d+\)\n", list);
            Assert.DoesNotContain("direct-tcpip", list, StringComparison.Ordinal);
            Assert.DoesNotContain("forwarded-tcpip", list, StringComparison.Ordinal);

            using var client = await ConnectAndPingAsync(port);
            int from = ((IPEndPoint)client.Client.LocalEndPoint!).Port;
            // sshd listens for the -R forward on this same machine.
            await TestPaths.WaitForPortAsync(remotePort, TimeSpan.FromSeconds(20));
            using var remoteClient = await ConnectAndPingAsync(remotePort);

            // OpenSSH 9.2 names the channel (port_open_helper): "direct-tcpip: listening port L for
            // HOST port P, connect from A port B to C port D".
            list = await ListChannelsAsync(pane);
            Assert.Matches(@"\n  #0 client-session \(\[session\] r\d+\)\n", list);
            string forwarded = $"direct-tcpip: listening port {port} for 127.0.0.1 port {echo.Port}, " +
                $"connect from 127.0.0.1 port {from} to 127.0.0.1 port {port}";
            Assert.Matches(@"\n  #\d+ " + Regex.Escape(forwarded) + @" \(\[direct-tcpip\] r\d+\)\n", list);
            // A connection the server forwards (-R) is named by its originator address.
            Assert.Matches(@"\n  #\d+ 127\.0\.0\.1 \(\[forwarded-tcpip\] r\d+\)\n", list);

            // Once the connections close, their channels leave the list.
            client.Close();
            remoteClient.Close();
            await WaitUntilAsync(async () => (await ListChannelsAsync(pane)).Split('\n').Count(l => l.StartsWith("  #", StringComparison.Ordinal)) == 1,
                "closed connections stayed in the ~# list");

            await pane.TypeLineAsync("exit 0");
            Assert.Equal(0, await HopInTmux.WaitForExitAsync(pane, dir));
            HopInTmux.AssertRestored(dir);
        }
    }

    [Theory]
    [InlineData("-t")]
    [InlineData("-o RequestTTY=force")]
    public async Task RemoteCommandGetsAPtyWhenAsked(string options)
    {
        var (pane, dir) = await HopInTmux.StartWithCommandAsync(_sshd, _dirs, options.Split(' '), ["tty; echo T$((1+1))T"]);
        await using (pane)
        {
            Assert.Equal(0, await HopInTmux.WaitForExitAsync(pane, dir));
            string screen = await pane.WaitForAsync("T2T");
            Assert.Matches(@"(?m)^/dev/pts/\d+\r?$", screen);
            Assert.DoesNotContain("not a tty", screen, StringComparison.Ordinal);
            HopInTmux.AssertRestored(dir);
        }
    }

    [Fact]
    public async Task RemoteCommandHasNoPtyByDefault()
    {
        var (pane, dir) = await HopInTmux.StartWithCommandAsync(_sshd, _dirs, [], ["tty; echo T$((1+1))T"]);
        await using (pane)
        {
            Assert.Equal(0, await HopInTmux.WaitForExitAsync(pane, dir));
            string screen = await pane.WaitForAsync("T2T");
            Assert.Contains("not a tty", screen, StringComparison.Ordinal);
            Assert.DoesNotMatch(@"/dev/pts/\d+", screen);
        }
    }

    [Theory]
    [InlineData("%", "%")]
    [InlineData("^]", "C-]")]
    public async Task OtherEscapeCharacterTakesTheTildesPlace(string escape, string key)
    {
        var (pane, dir) = await StartReadyAsync("-e", escape);
        await using (pane)
        {
            // "~." is plain text now: the remote shell gets it.
            await pane.SendKeysAsync("Enter");
            await pane.SendKeysAsync("-l", "~.");
            await pane.TypeLineAsync("Q; echo Z$((1+1))Z");
            string screen = await pane.WaitForAsync("Z2Z");
            Assert.Contains("~.Q", screen, StringComparison.Ordinal);
            Assert.False(HopInTmux.Exited(dir));

            if (escape == "%")
            {
                await pane.SendKeysAsync("Enter");
                await pane.SendKeysAsync("-l", "%?");
                string help = await pane.WaitForAsync("Supported escape sequences");
                Assert.Contains(" %.   - terminate connection", help, StringComparison.Ordinal);
                Assert.Contains(" %%   - send the escape character by typing it twice", help, StringComparison.Ordinal);
            }

            // The escape character and "." disconnect.
            await pane.SendKeysAsync("Enter");
            await pane.SendKeysAsync(key);
            await pane.SendKeysAsync("-l", ".");
            Assert.Equal(255, await HopInTmux.WaitForExitAsync(pane, dir));
            HopInTmux.AssertRestored(dir);
        }
    }

    [Theory]
    [InlineData("-o", "EscapeChar=none")]
    [InlineData("-e", "none")]
    public async Task EscapeCharNoneTurnsEscapesOff(string flag, string value)
    {
        var (pane, dir) = await StartReadyAsync(flag, value);
        await using (pane)
        {
            await pane.SendKeysAsync("Enter");
            await pane.SendKeysAsync("-l", "~?");
            await pane.TypeLineAsync("Q; echo Y$((1+1))Y");
            string screen = await pane.WaitForAsync("Y2Y");
            Assert.Contains("~?Q", screen, StringComparison.Ordinal);
            Assert.DoesNotContain("Supported escape sequences", screen, StringComparison.Ordinal);

            await pane.SendKeysAsync("Enter");
            await pane.SendKeysAsync("-l", "~.");
            await pane.TypeLineAsync("Q; echo Z$((1+1))Z");
            screen = await pane.WaitForAsync("Z2Z");
            Assert.Contains("~.Q", screen, StringComparison.Ordinal);
            Assert.False(HopInTmux.Exited(dir));

            await pane.TypeLineAsync("exit 0");
            Assert.Equal(0, await HopInTmux.WaitForExitAsync(pane, dir));
            HopInTmux.AssertRestored(dir);
        }
    }

    [Fact]
    public async Task CtrlZStopsTheRemoteProgramNotHop()
    {
        var (pane, dir) = await StartReadyAsync();
        await using (pane)
        {
            // The fixture user's login shell is sh: run an interactive bash, with job control.
            await pane.TypeLineAsync("exec /bin/bash --norc --noprofile -i");
            await pane.TypeLineAsync("echo BA${BASH_VERSINFO[0]:+SH}");
            await pane.WaitForAsync("BASH");
            await pane.TypeLineAsync("sleep 4343");
            int? pid = null;
            await WaitUntilAsync(async () => (pid = await ProcessIdAsync("^sleep 4343$")) is not null, "remote sleep did not start");

            await pane.SendKeysAsync("C-z");
            string screen = await pane.WaitForAsync("Stopped");
            Assert.Matches(@"\[1\]\+\s+Stopped\s+sleep 4343", screen);
            // The remote program is stopped (state T), and hop is still there to show the shell's answer.
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            Assert.Equal('T', stat[(stat.LastIndexOf(')') + 2)..][0]);
            Assert.False(HopInTmux.Exited(dir));

            // SIGKILL ends a stopped process at once; `wait` lets bash reap it, so that `exit` does
            // not stop at "There are stopped jobs." (bash may not have seen the job end yet).
            await pane.TypeLineAsync("kill -9 %1; wait");
            await WaitUntilAsync(async () => await ProcessIdAsync("^sleep 4343$") is null, "the stopped sleep was not killed");
            await pane.TypeLineAsync("echo A$((2+2))Z");
            await pane.WaitForAsync("A4Z");

            // `wait` may run before the kill has taken the job (bash: "warning: job 1 stopped"), and
            // then the first `exit` stops at "There are stopped jobs."; a second one right after ends
            // bash all the same, as its manual says.
            await pane.TypeLineAsync("exit 0");
            await WaitUntilAsync(async () => HopInTmux.Exited(dir) || (await pane.CaptureAsync()).Contains("There are stopped jobs.", StringComparison.Ordinal),
                "bash neither exited nor said why not");
            if (!HopInTmux.Exited(dir)) await pane.TypeLineAsync("exit 0");
            Assert.Equal(0, await HopInTmux.WaitForExitAsync(pane, dir));
            HopInTmux.AssertRestored(dir);
        }
    }
}
