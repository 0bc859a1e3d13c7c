using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Cli;

/// <summary>`hop keygen -F/-R/-H` against ssh-keygen on copies of the same known_hosts file.</summary>
public class KeygenKnownHostsCliTests
{
    private static async Task<(string Hop, string Ssh)> TwoCopiesAsync()
    {
        var dir = TestPaths.NewTempDir();
        var keys = await TestKeys.DirectoryAsync();
        var pub = File.ReadAllText(Path.Combine(keys, "host_ed25519.pub")).Trim().Split(' ');
        var ecdsa = File.ReadAllText(Path.Combine(keys, "host_ecdsa256.pub")).Trim().Split(' ');
        var text = $"# comment\nexample.com {pub[0]} {pub[1]}\n[127.0.0.1]:2222 {ecdsa[0]} {ecdsa[1]}\nother.example,10.0.0.9 {pub[0]} {pub[1]}\n";
        var a = Path.Combine(dir, "hop_known_hosts");
        var b = Path.Combine(dir, "ssh_known_hosts");
        File.WriteAllText(a, text);
        File.WriteAllText(b, text);
        return (a, b);
    }

    [Theory]
    [InlineData("example.com")]
    [InlineData("[127.0.0.1]:2222")]
    [InlineData("absent.example")]
    public async Task FindMatchesSshKeygen(string host)
    {
        var (a, b) = await TwoCopiesAsync();
        var hop = await HopCli.RunAsync(["keygen", "-F", host, "-f", a]);
        var ssh = await ProcessRunner.RunAsync("/usr/bin/ssh-keygen", ["-F", host, "-f", b]);
        Assert.Equal(ssh.ExitCode, hop.ExitCode);
        Assert.Equal(ssh.Stdout, hop.Stdout);
    }

    [Fact]
    public async Task RemoveLeavesTheSameFileAsSshKeygen()
    {
        var (a, b) = await TwoCopiesAsync();
        var hop = await HopCli.RunAsync(["keygen", "-R", "other.example", "-f", a]);
        var ssh = await ProcessRunner.RunAsync("/usr/bin/ssh-keygen", ["-R", "other.example", "-f", b]);
        Assert.Equal(ssh.ExitCode, hop.ExitCode);
        Assert.Equal(File.ReadAllText(b), File.ReadAllText(a));
        Assert.True(File.Exists(a + ".old"));
    }

    [Fact]
    public async Task HashedFileIsStillFoundBySshKeygen()
    {
        var (a, _) = await TwoCopiesAsync();
        var hop = await HopCli.RunAsync(["keygen", "-H", "-f", a]);
        Assert.True(hop.ExitCode == 0, hop.ToString());
        Assert.DoesNotContain("example.com", File.ReadAllText(a), StringComparison.Ordinal);
        var found = await ProcessRunner.RunAsync("/usr/bin/ssh-keygen", ["-F", "example.com", "-f", a]);
        Assert.Equal(0, found.ExitCode);
        Assert.Contains("found: line 2", found.Stdout, StringComparison.Ordinal);
    }
}
