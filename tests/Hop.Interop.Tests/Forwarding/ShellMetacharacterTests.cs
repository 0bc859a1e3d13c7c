using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Forwarding;

/// <summary>
/// CVE-2023-51385: a user or host name given on the command line reaches a shell through %r/%h in
/// ProxyCommand and Match exec, so ssh refuses names with shell metacharacters before it reads any
/// config (OpenSSH 9.6; Debian's 9.2p1-2+deb12u10 here carries the same fix, and is the oracle).
/// Names written in a config file are the user's own and are not checked.
/// </summary>
public class ShellMetacharacterTests
{
    private const string OpenSsh = "/usr/bin/ssh";

    [Theory]
    [InlineData("x$(touch {0})")]
    [InlineData("x`touch {0}`")]
    [InlineData("x;touch {0}")]
    [InlineData("x|tee {0}")]
    [InlineData("x&&touch {0}")]
    public async Task HostNameWithShellMetacharactersIsRefusedBeforeProxyCommandRuns(string pattern)
    {
        var dir = TestPaths.NewTempDir();
        var pwned = Path.Combine(dir, "pwned");
        var ran = Path.Combine(dir, "proxy-ran");
        string host = string.Format(System.Globalization.CultureInfo.InvariantCulture, pattern, pwned);
        string[] args = ["-F", "/dev/null", "-o", "BatchMode=yes", "-o", $"ProxyCommand=touch {ran}; echo %h", host, "true"];
        var hop = await HopCli.RunAsync(["ssh", .. args]);
        Assert.Equal(255, hop.ExitCode);
        Assert.Equal("hop: hostname contains invalid characters\n", hop.Stderr);
        Assert.Equal("", hop.Stdout);
        Assert.False(File.Exists(pwned), "the host name was run as a command");
        Assert.False(File.Exists(ran), "the ProxyCommand ran");

        var ssh = await ProcessRunner.RunAsync(OpenSsh, args);
        Assert.Equal(255, ssh.ExitCode);
        Assert.Equal("hostname contains invalid characters", ssh.Stderr.TrimEnd());
        Assert.False(File.Exists(pwned));
    }

    /// <summary>Match exec sees %h and %r too, and runs while the config is read: the names must be checked before that.</summary>
    [Theory]
    [InlineData("host")]
    [InlineData("user")]
    [InlineData("jump host")]
    [InlineData("jump user")]
    public async Task NamesAreCheckedBeforeMatchExecRuns(string where)
    {
        var dir = TestPaths.NewTempDir();
        var pwned = Path.Combine(dir, "pwned");
        var ran = Path.Combine(dir, "exec-ran");
        var config = Path.Combine(dir, "config");
        File.WriteAllText(config, $"""
            Match exec "touch {ran}; test %h%r = nothing"
              Port 1
            Host *
              BatchMode yes
              ConnectTimeout 5
            """);
        string bad = $"x$(touch {pwned})";
        string[] args = where switch
        {
            "host" => ["-F", config, bad, "true"],
            "user" => ["-F", config, "-l", bad, "127.0.0.1", "true"],
            "jump host" => ["-F", config, "-J", bad, "127.0.0.1", "true"],
            _ => ["-F", config, "-J", $"u;touch${{IFS}}{pwned};@127.0.0.1", "127.0.0.1", "true"],
        };
        var hop = await HopCli.RunAsync(["ssh", .. args]);
        Assert.Equal(255, hop.ExitCode);
        Assert.False(File.Exists(pwned), $"the {where} name was run as a command: {hop.Stderr}");
        Assert.False(File.Exists(ran), $"Match exec ran: {hop.Stderr}");
        var ssh = await ProcessRunner.RunAsync(OpenSsh, args);
        Assert.Equal(255, ssh.ExitCode);
        Assert.False(File.Exists(pwned));
        Assert.False(File.Exists(ran));
        string expected = where switch
        {
            "host" => "hostname contains invalid characters",
            "user" => "remote username contains invalid characters",
            "jump host" => "invalid hostname \"x$(touch",
            _ => "invalid username \"u;touch",
        };
        Assert.Contains(expected, ssh.Stderr, StringComparison.Ordinal);
        Assert.Contains(expected, hop.Stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// Which names ssh refuses, and with what words: hop must refuse the same ones and let the
    /// others through (`-G` reads the config and connects nowhere).
    /// </summary>
    [Theory]
    [InlineData("host", "a;b", "hostname contains invalid characters")]
    [InlineData("host", "a|b", "hostname contains invalid characters")]
    [InlineData("host", "a&b", "hostname contains invalid characters")]
    [InlineData("host", "a<b", "hostname contains invalid characters")]
    [InlineData("host", "a>b", "hostname contains invalid characters")]
    [InlineData("host", "a(b", "hostname contains invalid characters")]
    [InlineData("host", "a{b", "hostname contains invalid characters")]
    [InlineData("host", "a'b", "hostname contains invalid characters")]
    [InlineData("host", "a\"b", "hostname contains invalid characters")]
    [InlineData("host", "a`b", "hostname contains invalid characters")]
    [InlineData("host", "a$b", "hostname contains invalid characters")]
    [InlineData("host", "a\\b", "hostname contains invalid characters")]
    [InlineData("host", "a b", "hostname contains invalid characters")]
    [InlineData("host", "a\tb", "hostname contains invalid characters")]
    [InlineData("host", "a,b", "hostname contains invalid characters")]
    [InlineData("host", "a_b.example", null)]
    [InlineData("host", "a%b", null)]
    [InlineData("user", "a;b", "remote username contains invalid characters")]
    [InlineData("user", "a(b", "remote username contains invalid characters")]
    [InlineData("user", "-ab", "remote username contains invalid characters")]
    [InlineData("user", "a -b", "remote username contains invalid characters")]
    [InlineData("user", "ab\\", "remote username contains invalid characters")]
    [InlineData("user", "a\tb", "remote username contains invalid characters")]
    [InlineData("user", "DOMAIN\\ab", null)]
    [InlineData("user", "machine$", null)]
    [InlineData("user", "a b", null)]
    [InlineData("user@", "a;b", "remote username contains invalid characters")]
    [InlineData("user@", "DOMAIN\\ab", null)]
    [InlineData("-o User", "a|b", "remote username contains invalid characters")]
    [InlineData("-J", "x$y", "invalid hostname \"x$y\"")]
    [InlineData("-J", "ok,x|y", "invalid hostname \"x|y\"")]
    [InlineData("-J", "u;v@ok", "invalid username \"u;v\"")]
    [InlineData("-J", "u$v@ok:2222", null)]
    [InlineData("-o ProxyJump", "u;v@ok", "invalid username \"u;v\"")]
    public async Task RefusesTheNamesOpenSshRefuses(string where, string name, string? message)
    {
        string[] args = where switch
        {
            "host" => ["-G", "-F", "/dev/null", name],
            "user" => ["-G", "-F", "/dev/null", "-l", name, "h"],
            "user@" => ["-G", "-F", "/dev/null", $"{name}@h"],
            "-o User" => ["-G", "-F", "/dev/null", "-o", $"User={name}", "h"],
            "-J" => ["-G", "-F", "/dev/null", "-J", name, "h"],
            _ => ["-G", "-F", "/dev/null", "-o", $"ProxyJump={name}", "h"],
        };
        var ssh = await ProcessRunner.RunAsync(OpenSsh, args);
        var hop = await HopCli.RunAsync(["ssh", .. args]);
        if (message is null)
        {
            Assert.True(ssh.ExitCode == 0, "ssh: " + ssh);
            Assert.True(hop.ExitCode == 0, "hop: " + hop);
        }
        else
        {
            Assert.Equal(255, ssh.ExitCode);
            Assert.Contains(message, ssh.Stderr, StringComparison.Ordinal);
            Assert.Equal(255, hop.ExitCode);
            Assert.Contains(message, hop.Stderr, StringComparison.Ordinal);
            Assert.Equal("", hop.Stdout);
        }
    }

    [Fact]
    public async Task NamesFromTheConfigFileAreNotChecked()
    {
        // The config's author wrote them; OpenSSH takes them as they are (and so may a ProxyCommand).
        var config = Path.Combine(TestPaths.NewTempDir(), "config");
        File.WriteAllText(config, """
            Host h
              HostName a;b
              User DOMAIN\x;y
            """);
        foreach (var (program, args) in new[] { (OpenSsh, new[] { "-G", "-F", config, "h" }), (TestPaths.HopBinary, new[] { "ssh", "-G", "-F", config, "h" }) })
        {
            var r = await ProcessRunner.RunAsync(program, args);
            Assert.True(r.ExitCode == 0, program + ": " + r);
            Assert.Contains("hostname a;b\n", r.Stdout, StringComparison.Ordinal);
            Assert.Contains("user DOMAIN\\x;y\n", r.Stdout, StringComparison.Ordinal);
        }
    }
}
