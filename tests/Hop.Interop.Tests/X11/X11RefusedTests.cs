using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.X11;

/// <summary>`hop ssh -X` / `-Y` against an sshd with X11Forwarding no: one line, as ssh says it, and the command runs.</summary>
public class X11RefusedTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;
    private XvfbDisplay _x = null!;

    public async Task InitializeAsync()
    {
        _sshd = await SshdServer.StartAsync(["X11Forwarding no"]);
        _x = await XvfbDisplay.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _x.DisposeAsync();
        await _sshd.DisposeAsync();
    }

    [Theory]
    [InlineData("-X")]
    [InlineData("-Y")]
    public async Task ARefusedX11RequestIsOneLineAndTheCommandRuns(string flag)
    {
        // x11-req, then exec right behind it: the refusal arrives after the command was sent.
        const string command = "echo ran; echo \"DISPLAY=[$DISPLAY]\"";
        var env = new Dictionary<string, string?> { ["XAUTHORITY"] = _x.AuthorityPath, ["DISPLAY"] = _x.Display };
        var args = await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        args.InsertRange(1, [flag]);
        args.Add(command);
        var hop = await HopCli.RunAsync(args, env);
        Assert.True(hop.ExitCode == 0, hop.ToString());
        Assert.Equal("ran\nDISPLAY=[]\n", hop.Stdout);
        Assert.Equal("X11 forwarding request failed on channel 0\n", hop.Stderr);

        var ssh = await _sshd.OpenSshArgsAsync();
        ssh.InsertRange(0, [flag]);
        ssh.Add(command);
        var openssh = await ProcessRunner.RunAsync("/usr/bin/ssh", ssh, env);
        Assert.True(openssh.ExitCode == 0, openssh.ToString());
        Assert.Equal(hop.Stdout, openssh.Stdout);
        Assert.Contains("X11 forwarding request failed on channel 0", openssh.Stderr, StringComparison.Ordinal);
    }
}
