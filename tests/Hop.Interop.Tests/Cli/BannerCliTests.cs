using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Cli;

/// <summary>
/// The server's pre-authentication banner (sshd's Banner, SSH_MSG_USERAUTH_BANNER), beside OpenSSH's
/// ssh: shown on stderr unless the log level is below INFO, BatchMode or not (OpenSSH's regress/banner.sh).
/// </summary>
public class BannerCliTests
{
    private static async Task<(SshdServer Server, string Banner)> StartAsync(int size)
    {
        var dir = TestPaths.NewTempDir();
        string path = Path.Combine(dir, "banner");
        // Lines of printable text, as a banner file holds: exactly `size` bytes.
        var line = "The quick brown fox jumps over the lazy dog, 0123456789.\n";
        string text = string.Concat(Enumerable.Repeat(line, size / line.Length + 1))[..size];
        File.WriteAllText(path, text);
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
        return (await SshdServer.StartAsync([$"Banner {path}"]), text);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(100_000)]
    public async Task BannerIsShownInFullAsOpenSshShowsIt(int size)
    {
        var (sshd, banner) = await StartAsync(size);
        await using var _ = sshd;
        // BatchMode=yes (in these arguments) leaves nobody to ask, yet the banner is shown.
        var hop = await HopCli.RunAsync([.. await HopCli.SshArgsAsync(sshd.Port, sshd.User, sshd.KnownHostsPath), "true"]);
        var ssh = await ProcessRunner.RunAsync("/usr/bin/ssh", [.. await sshd.OpenSshArgsAsync(), "true"], HopCli.IsolatedEnvironment());

        Assert.True(ssh.ExitCode == 0, ssh.ToString());
        Assert.Equal(banner, ssh.Stderr);
        Assert.True(hop.ExitCode == 0, hop.ToString());
        Assert.Equal(banner, hop.Stderr);
    }

    [Theory]
    [InlineData("-q")]
    [InlineData("-oLogLevel=ERROR")]
    public async Task QuietOrALowerLogLevelSuppressesTheBanner(string option)
    {
        var (sshd, _) = await StartAsync(100);
        await using var _1 = sshd;
        var hop = await HopCli.RunAsync([.. await HopCli.SshArgsAsync(sshd.Port, sshd.User, sshd.KnownHostsPath), option, "true"]);
        var ssh = await ProcessRunner.RunAsync("/usr/bin/ssh", [.. await sshd.OpenSshArgsAsync(), option, "true"], HopCli.IsolatedEnvironment());

        Assert.True(ssh.ExitCode == 0, ssh.ToString());
        Assert.Equal("", ssh.Stderr);
        Assert.True(hop.ExitCode == 0, hop.ToString());
        Assert.Equal("", hop.Stderr);
    }
}
