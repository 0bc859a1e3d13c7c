using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.X11;

/// <summary>
/// A local display reached over TCP (DISPLAY=127.0.0.1:N, port 6000+N): the Xvfb fixture listens on
/// its Unix socket only, so a relay in the test carries 127.0.0.1:6000+N to it, and the display's
/// cookie is entered in a copy of the authority file under the TCP display's name.
/// </summary>
public class X11TcpDisplayTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;
    private XvfbDisplay _x = null!;
    private X11TcpRelay _relay = null!;
    private string _dir = null!;

    public async Task InitializeAsync()
    {
        _sshd = await SshdServer.StartAsync();
        _x = await XvfbDisplay.StartAsync();
        _relay = X11TcpRelay.Start($"/tmp/.X11-unix/X{_x.Number}");
        _dir = TestPaths.NewTempDir("hop-xtcp-");
    }

    public async Task DisposeAsync()
    {
        await _relay.DisposeAsync();
        await _x.DisposeAsync();
        await _sshd.DisposeAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private string TcpDisplay => $"127.0.0.1:{_relay.Number}";

    /// <summary>A new authority file holding the Xvfb cookie under the TCP display's name.</summary>
    private async Task<string> AuthorityForTcpDisplayAsync()
    {
        var listed = await ProcessRunner.RunCheckedAsync("/usr/bin/xauth", "-f", _x.AuthorityPath, "list", _x.Display);
        var fields = listed.Stdout.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("MIT-MAGIC-COOKIE-1", fields[1]);
        string file = Path.Combine(_dir, Guid.NewGuid().ToString("N")[..12] + ".Xauthority");
        await ProcessRunner.RunCheckedAsync("/usr/bin/xauth", "-f", file, "add", TcpDisplay, fields[1], fields[2]);
        return file;
    }

    [Theory]
    [InlineData("-Y")]
    [InlineData("-X -o ForwardX11Trusted=no")]
    public async Task XdpyinfoReachesADisplayOverTcp(string options)
    {
        string authority = await AuthorityForTcpDisplayAsync();
        // The relay and the cookie serve a local client (Xvfb itself listens on no TCP port).
        var direct = await ProcessRunner.RunAsync("/usr/bin/xdpyinfo", [],
            new Dictionary<string, string?> { ["DISPLAY"] = TcpDisplay, ["XAUTHORITY"] = authority });
        Assert.True(direct.ExitCode == 0, direct.ToString());
        int before = _relay.Connections;
        Assert.True(before > 0);

        var args = await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        args.InsertRange(1, options.Split(' '));
        args.Add("echo \"DISPLAY=$DISPLAY\"; xdpyinfo");
        var r = await HopCli.RunAsync(args, new Dictionary<string, string?> { ["DISPLAY"] = TcpDisplay, ["XAUTHORITY"] = authority });
        Assert.True(r.ExitCode == 0, r + "\n" + _sshd.Log);
        Assert.Contains("DISPLAY=localhost:", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("screen #0:", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("640x480 pixels", r.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Warning", r.Stderr, StringComparison.Ordinal);
        // hop reached the X server through the relay's TCP port (and, untrusted, so did xauth generate).
        Assert.True(_relay.Connections > before, $"no connection through 127.0.0.1:{6000 + _relay.Number}");
    }
}
