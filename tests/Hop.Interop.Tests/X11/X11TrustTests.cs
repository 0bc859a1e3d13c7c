using System.Text.RegularExpressions;
using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.X11;

/// <summary>
/// Untrusted (-X with ForwardX11Trusted no) and trusted (-Y) X11 forwarding, seen from two sides:
/// the xauth calls (XAuthLocation points at a wrapper that logs its arguments), compared with those
/// of OpenSSH's ssh 9.2 run the same way; and the X server's own verdict, since an untrusted client
/// is shown almost none of the server's extensions (the SECURITY extension hides them).
/// </summary>
public class X11TrustTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;
    private XvfbDisplay _x = null!;
    private string _dir = null!;

    public async Task InitializeAsync()
    {
        _sshd = await SshdServer.StartAsync();
        _x = await XvfbDisplay.StartAsync();
        _dir = TestPaths.NewTempDir("hop-xauth-");
    }

    public async Task DisposeAsync()
    {
        await _x.DisposeAsync();
        await _sshd.DisposeAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>
    /// Runs `hop ssh` (or OpenSSH's ssh when <paramref name="openSsh"/>) with <paramref name="options"/>
    /// and XAuthLocation set to a logging wrapper of /usr/bin/xauth; returns the result and the
    /// xauth argument lists, the temporary file after -f written as FILE.
    /// </summary>
    private async Task<(ProcessResult Result, List<string> XauthCalls)> RunAsync(bool openSsh, string options, string command)
    {
        string name = Guid.NewGuid().ToString("N")[..12];
        string log = Path.Combine(_dir, name + ".log");
        string wrapper = Path.Combine(_dir, name + ".sh");
        File.WriteAllText(wrapper, $"#!/bin/sh\necho \"$*\" >> '{log}'\nexec /usr/bin/xauth \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var args = await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        args.InsertRange(1, [.. options.Split(' '), "-o", $"XAuthLocation={wrapper}"]);
        args.Add(command);
        var env = new Dictionary<string, string?>
        {
            ["DISPLAY"] = _x.Display, ["XAUTHORITY"] = _x.AuthorityPath, ["SSH_AUTH_SOCK"] = null, ["SSH_ASKPASS"] = null,
        };
        var result = openSsh
            ? await ProcessRunner.RunAsync("/usr/bin/ssh", args.Skip(1), env, [], TimeSpan.FromSeconds(60))
            : await HopCli.RunAsync(args, env);
        var calls = File.Exists(log)
            ? File.ReadAllLines(log).Select(l => Regex.Replace(l, @"^-f \S+ ", "-f FILE ")).ToList()
            : [];
        return (result, calls);
    }

    [Theory]
    // OpenSSH: timeout = ForwardX11Timeout + 60 s of slack (X11_TIMEOUT_SLACK), so that the cookie
    // outlives ssh's own refusal of new connections; no timeout at all for ForwardX11Timeout 0.
    [InlineData("-X -o ForwardX11Trusted=no -o ForwardX11Timeout=7", false, "-f FILE generate {D} MIT-MAGIC-COOKIE-1 untrusted timeout 67|-f FILE list {D}")]
    [InlineData("-X -o ForwardX11Trusted=no", false, "-f FILE generate {D} MIT-MAGIC-COOKIE-1 untrusted timeout 1260|-f FILE list {D}")]
    [InlineData("-X -o ForwardX11Trusted=no -o ForwardX11Timeout=0", false, "-f FILE generate {D} MIT-MAGIC-COOKIE-1 untrusted|-f FILE list {D}")]
    [InlineData("-Y", true, "list {D}")]
    // -Y wins over ForwardX11Trusted no from the configuration, as in ssh.c.
    [InlineData("-o ForwardX11Trusted=no -Y", true, "list {D}")]
    // Debian's ssh (and so hop) defaults ForwardX11Trusted to yes: plain -X is trusted there.
    [InlineData("-X", true, "list {D}")]
    public async Task XauthCallsMatchSshAndTheServerSeesTheTrustLevel(string options, bool trusted, string expected)
    {
        var (hop, hopCalls) = await RunAsync(openSsh: false, options, "xdpyinfo");
        Assert.True(hop.ExitCode == 0, hop + "\n" + _sshd.Log);
        Assert.Equal(expected.Replace("{D}", _x.Display, StringComparison.Ordinal).Split('|'), hopCalls);

        // The X server's verdict: an untrusted client is not shown XTEST (nor SECURITY itself).
        Assert.Contains("number of extensions:", hop.Stdout, StringComparison.Ordinal);
        Assert.Equal(trusted, hop.Stdout.Contains("XTEST", StringComparison.Ordinal));
        Assert.Equal(trusted, hop.Stdout.Contains("SECURITY", StringComparison.Ordinal));

        var (ssh, sshCalls) = await RunAsync(openSsh: true, options, "xdpyinfo");
        Assert.True(ssh.ExitCode == 0, "ssh: " + ssh);
        Assert.Equal(sshCalls, hopCalls);
        Assert.Equal(trusted, ssh.Stdout.Contains("XTEST", StringComparison.Ordinal));
    }
}
