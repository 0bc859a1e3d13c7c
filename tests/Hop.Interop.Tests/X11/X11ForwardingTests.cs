using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.X11;

/// <summary>`hop ssh -X` / `-Y` through a real sshd (X11Forwarding yes) to a local Xvfb.</summary>
public class X11ForwardingTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;
    private XvfbDisplay _x = null!;

    public async Task InitializeAsync()
    {
        _sshd = await SshdServer.StartAsync();
        _x = await XvfbDisplay.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _x.DisposeAsync();
        await _sshd.DisposeAsync();
    }

    private async Task<ProcessResult> RunAsync(string flag, string command, bool withDisplay = true, params string[] extra)
    {
        var args = await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        args.InsertRange(1, [flag, .. extra]);
        args.Add(command);
        var env = new Dictionary<string, string?> { ["XAUTHORITY"] = _x.AuthorityPath };
        if (withDisplay) env["DISPLAY"] = _x.Display;
        return await HopCli.RunAsync(args, env);
    }

    [Theory]
    [InlineData("-X")]
    [InlineData("-Y")]
    public async Task XdpyinfoReachesTheLocalDisplay(string flag)
    {
        var r = await RunAsync(flag, "echo \"DISPLAY=$DISPLAY\"; xdpyinfo");
        Assert.True(r.ExitCode == 0, r + "\n" + _sshd.Log);
        Assert.Contains("name of display:", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("screen #0:", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("640x480 pixels", r.Stdout, StringComparison.Ordinal);
        // The remote side sees sshd's proxy display, not ours.
        Assert.Contains("DISPLAY=localhost:", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientsWithoutTheCookieAreRefused()
    {
        const string bogus = "00112233445566778899aabbccddeeff";
        var r = await RunAsync("-Y",
            "XAUTHORITY=/dev/null xdpyinfo >/dev/null 2>&1; echo none=$?; " +
            $"f=$(mktemp); xauth -f $f add $DISPLAY . {bogus} 2>/dev/null; XAUTHORITY=$f xdpyinfo >/dev/null 2>&1; echo bogus=$?; rm -f $f; " +
            "xdpyinfo >/dev/null 2>&1; echo good=$?");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("none=0", r.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("bogus=0", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("good=0", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("X11 connection rejected because of wrong authentication.", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutDisplaySaysSoOnceAndRunsTheCommand()
    {
        var r = await RunAsync("-X", "echo ran; echo \"DISPLAY=[$DISPLAY]\"", withDisplay: false);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("ran\nDISPLAY=[]\n", r.Stdout);
        Assert.Equal("X11 forwarding requested but DISPLAY not set\n", r.Stderr);
    }

    [Fact]
    public async Task WithoutXauthSaysSoOnceAndRunsTheCommand()
    {
        var r = await RunAsync("-X", "echo ran", true, "-o", "XAuthLocation=/nonexistent/xauth");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("ran\n", r.Stdout);
        Assert.Equal("No xauth program; cannot forward X11.\n", r.Stderr);
    }

    [Fact]
    public async Task DashXLowerDisablesForwarding()
    {
        var r = await RunAsync("-x", "echo \"DISPLAY=[$DISPLAY]\"", true, "-o", "ForwardX11=yes");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("DISPLAY=[]\n", r.Stdout);
    }
}
