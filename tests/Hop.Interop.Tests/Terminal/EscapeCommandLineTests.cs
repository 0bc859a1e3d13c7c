using System.Net;
using System.Net.Sockets;
using Hop.Interop.Tests.Fixtures;
using Hop.Interop.Tests.Forwarding;

namespace Hop.Interop.Tests.Terminal;

/// <summary>
/// The "~C" command line of an interactive `hop ssh` session, driven through tmux against a real
/// sshd: -L and -R forwards added while the session runs carry an HTTP request (curl), -KL and -KR
/// take them away again, bad lines get OpenSSH's messages; and a session that ends while a
/// forwarded connection is still open waits for it, as ssh does.
/// </summary>
public class EscapeCommandLineTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;
    private readonly List<string> _dirs = [];

    public async Task InitializeAsync() => _sshd = await SshdServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _sshd.DisposeAsync();
        foreach (var d in _dirs) try { Directory.Delete(d, recursive: true); } catch (IOException) { }
    }

    private static int Count(string screen, string text)
    {
        int n = 0;
        for (int i = screen.IndexOf(text, StringComparison.Ordinal); i >= 0; i = screen.IndexOf(text, i + text.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    /// <summary>Waits until <paramref name="text"/> shows more often than <paramref name="before"/> times.</summary>
    private static async Task<string> WaitForMoreAsync(TmuxPane pane, string text, int before, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            string screen = await pane.CaptureAsync();
            if (Count(screen, text) > before) return screen;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no new \"{text}\" on the screen:\n{screen}");
            await Task.Delay(100);
        }
    }

    /// <summary>Opens the command line after a newline, types <paramref name="line"/> and waits for <paramref name="reply"/>.</summary>
    private static async Task<string> CommandAsync(TmuxPane pane, string line, string reply)
    {
        string screen = await pane.CaptureAsync();
        int prompts = Count(screen, "ssh>");
        int replies = Count(screen, reply);
        await pane.SendKeysAsync("Enter");
        await pane.SendKeysAsync("-l", "~C");
        await WaitForMoreAsync(pane, "ssh>", prompts);
        await pane.TypeLineAsync(line);
        return await WaitForMoreAsync(pane, reply, replies);
    }

    private static async Task<ProcessResult> CurlAsync(int port) =>
        await ProcessRunner.RunAsync("/usr/bin/curl", ["-s", "--max-time", "20", $"http://127.0.0.1:{port}/"]);

    /// <summary>Starts hop with the command line turned on (EnableEscapeCommandline is off by default, as in OpenSSH 9.2).</summary>
    private Task<(TmuxPane Pane, string Dir)> StartReadyAsync(params string[] extra) =>
        StartReadyWithoutCommandLineAsync(["-o", "EnableEscapeCommandline=yes", .. extra]);

    private Task<(TmuxPane Pane, string Dir)> StartReadyWithoutCommandLineAsync(params string[] extra) => HopInTmux.StartReadyAsync(_sshd, _dirs, extra);

    [Fact]
    public async Task TildeCAddsAndCancelsLocalForward()
    {
        await using var http = TestTcpServer.StartHttp();
        int port = TestPaths.FreeTcpPort();
        var (pane, dir) = await StartReadyAsync();
        await using (pane)
        {
            Assert.Equal(7, (await CurlAsync(port)).ExitCode);

            // Typed with a mistake and a Backspace: the line is edited in raw mode.
            string screen0 = await pane.CaptureAsync();
            await pane.SendKeysAsync("Enter");
            await pane.SendKeysAsync("-l", "~C");
            await WaitForMoreAsync(pane, "ssh>", Count(screen0, "ssh>"));
            await pane.SendKeysAsync("-l", "--", "-Lx");
            await pane.SendKeysAsync("BSpace");
            await pane.TypeLineAsync($" {port}:127.0.0.1:{http.Port}");
            await pane.WaitForAsync("Forwarding port.");

            var through = await CurlAsync(port);
            Assert.Equal(0, through.ExitCode);
            Assert.Equal(TestTcpServer.HttpBody, through.Stdout);

            await CommandAsync(pane, $"-KL {port}", "Canceled forwarding.");
            Assert.Equal(7, (await CurlAsync(port)).ExitCode);
            await CommandAsync(pane, $"-KL {port}", "Unknown port forwarding.");

            // The session goes on: keys reach the remote shell again.
            await pane.TypeLineAsync("echo AF$((2+2))TER");
            await pane.WaitForAsync("AF4TER");
            await pane.TypeLineAsync("exit 0");
            Assert.Equal(0, await HopInTmux.WaitForExitAsync(pane, dir));
            HopInTmux.AssertRestored(dir);
        }
    }

    [Fact]
    public async Task TildeCAddsAndCancelsRemoteForward()
    {
        await using var http = TestTcpServer.StartHttp();
        int port = TestPaths.FreeTcpPort();
        var (pane, dir) = await StartReadyAsync();
        await using (pane)
        {
            await CommandAsync(pane, $"-R {port}:127.0.0.1:{http.Port}", "Forwarding port.");
            // sshd listens on this same machine.
            await TestPaths.WaitForPortAsync(port, TimeSpan.FromSeconds(20));
            var through = await CurlAsync(port);
            Assert.Equal(0, through.ExitCode);
            Assert.Equal(TestTcpServer.HttpBody, through.Stdout);

            await CommandAsync(pane, $"-KR {port}", "Canceled forwarding.");
            Assert.Equal(7, (await CurlAsync(port)).ExitCode);
            await CommandAsync(pane, $"-KR {port}", "Unknown port forwarding.");

            await pane.TypeLineAsync("exit 0");
            Assert.Equal(0, await HopInTmux.WaitForExitAsync(pane, dir));
            HopInTmux.AssertRestored(dir);
        }
    }

    [Fact]
    public async Task TildeCBadLinesHelpAndDynamicForward()
    {
        int socks = TestPaths.FreeTcpPort();
        var (pane, dir) = await StartReadyAsync();
        await using (pane)
        {
            await CommandAsync(pane, "bogus", "Invalid command.");
            await CommandAsync(pane, "-L nonsense", "Bad local forwarding specification.");
            await CommandAsync(pane, "-R", "Bad remote forwarding specification.");
            await CommandAsync(pane, "-KL a:b:c", "Bad forwarding close specification.");
            var help = await CommandAsync(pane, "-h", "Cancel dynamic forward");
            Assert.Contains("-KR[bind_address:]port", help, StringComparison.Ordinal);

            await CommandAsync(pane, $"-D {socks}", "Forwarding port.");
            await TestPaths.WaitForPortAsync(socks, TimeSpan.FromSeconds(10));
            // -KL does not close a dynamic forward; -KD does.
            await CommandAsync(pane, $"-KL {socks}", "Unknown port forwarding.");
            await CommandAsync(pane, $"-KD {socks}", "Canceled forwarding.");
            using (var c = new TcpClient())
                await Assert.ThrowsAnyAsync<SocketException>(() => c.ConnectAsync(IPAddress.Loopback, socks));

            await pane.TypeLineAsync("exit 4");
            Assert.Equal(4, await HopInTmux.WaitForExitAsync(pane, dir));
            HopInTmux.AssertRestored(dir);
        }
    }

    [Fact]
    public async Task CommandLineDisabledByDefaultAndBackgroundSaysWhy()
    {
        var (pane, dir) = await StartReadyWithoutCommandLineAsync();
        await using (pane)
        {
            await pane.SendKeysAsync("Enter");
            await pane.SendKeysAsync("-l", "~C");
            await pane.WaitForAsync("commandline disabled");
            // ~? leaves ~C out when the command line is off, as ssh 9.2 does.
            await pane.SendKeysAsync("Enter");
            await pane.SendKeysAsync("-l", "~?");
            string help = await pane.WaitForAsync("this message");
            Assert.DoesNotContain("open a command line", help, StringComparison.Ordinal);
            await pane.SendKeysAsync("Enter");
            await pane.SendKeysAsync("-l", "~&");
            await pane.WaitForAsync("~& escape not available");
            await pane.TypeLineAsync("exit 0");
            Assert.Equal(0, await HopInTmux.WaitForExitAsync(pane, dir));
            HopInTmux.AssertRestored(dir);
        }
    }

    [Fact]
    public async Task VerbosityRekeyAndBreakEscapes()
    {
        var (pane, dir) = await StartReadyAsync();
        await using (pane)
        {
            await pane.SendKeysAsync("Enter");
            await pane.SendKeysAsync("-l", "~v");
            await pane.WaitForAsync("~v [LogLevel DEBUG1]");
            await pane.SendKeysAsync("Enter");
            await pane.SendKeysAsync("-l", "~R");
            await pane.WaitForAsync("debug1: Rekeying on user request (~R)");
            await pane.SendKeysAsync("Enter");
            await pane.SendKeysAsync("-l", "~V");
            await pane.WaitForAsync("~V [LogLevel INFO]");
            await pane.SendKeysAsync("Enter");
            await pane.SendKeysAsync("-l", "~B");
            await pane.WaitForAsync("~B");
            // After a rekey and a BREAK the session carries on.
            await pane.TypeLineAsync("echo AF$((3+3))TER");
            await pane.WaitForAsync("AF6TER");
            await pane.TypeLineAsync("exit 0");
            Assert.Equal(0, await HopInTmux.WaitForExitAsync(pane, dir));
            HopInTmux.AssertRestored(dir);
        }
    }

    [Fact]
    public async Task LogoutWaitsForOpenForwardedConnection()
    {
        await using var echo = TestTcpServer.StartEcho();
        int port = TestPaths.FreeTcpPort();
        var (pane, dir) = await StartReadyAsync("-L", $"{port}:127.0.0.1:{echo.Port}");
        await using (pane)
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            var stream = client.GetStream();
            await stream.WriteAsync("ping"u8.ToArray());
            var buffer = new byte[4];
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
                await stream.ReadExactlyAsync(buffer, timeout.Token);
            Assert.Equal("ping"u8.ToArray(), buffer);

            await pane.TypeLineAsync("exit 0");
            await Task.Delay(1500);
            Assert.False(HopInTmux.Exited(dir), "hop left while a forwarded connection was open");
            // The terminal is already back in its normal mode while hop waits.
            var local = await ProcessRunner.RunAsync("/usr/bin/stty", ["-a", "-F", await pane.TtyAsync()]);
            Assert.Contains(" icanon", local.Stdout, StringComparison.Ordinal);

            client.Close();
            Assert.Equal(0, await HopInTmux.WaitForExitAsync(pane, dir));
            HopInTmux.AssertRestored(dir);
        }
    }
}
