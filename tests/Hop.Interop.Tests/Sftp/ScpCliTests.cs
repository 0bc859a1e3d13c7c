using System.Security.Cryptography;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Sftp;

/// <summary>`hop scp` both ways against OpenSSH's sshd, and its messages next to OpenSSH's scp.</summary>
public class ScpCliTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;
    private string _remote = null!;
    private string _local = null!;

    public async Task InitializeAsync()
    {
        _sshd = await SshdServer.StartAsync();
        _remote = SftpHarness.RemoteDirectory();
        _local = TestPaths.NewTempDir("hop-scp-local-");
    }

    public async Task DisposeAsync()
    {
        await _sshd.DisposeAsync();
        SftpHarness.DeleteQuietly(_remote, _local);
    }

    private string Remote(string path) => $"{SftpHarness.Destination(_sshd)}:{path}";

    private async Task<ProcessResult> ScpAsync(string tool, params string[] operands)
    {
        var args = await SftpHarness.OptionsAsync(_sshd);
        args.AddRange(operands);
        return tool == "hop" ? await SftpHarness.HopAsync("scp", args, _local) : await SftpHarness.OpenSshAsync("scp", args, _local);
    }

    [Fact]
    public async Task FileUpAndDownAndTreeWithPreserve()
    {
        // Over SftpClient's own-thread minimum (4 MiB): the upload runs the blocking WRITE loop.
        var data = RandomNumberGenerator.GetBytes(6_000_003);
        await File.WriteAllBytesAsync(Path.Combine(_local, "f.bin"), data);
        var up = await ScpAsync("hop", "f.bin", Remote(_remote + "/"));
        Assert.True(up.ExitCode == 0, up.ToString());
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(_remote, "f.bin")));
        var down = await ScpAsync("hop", Remote(_remote + "/f.bin"), "g.bin");
        Assert.True(down.ExitCode == 0, down.ToString());
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(_local, "g.bin")));

        string tree = Path.Combine(_local, "t");
        Directory.CreateDirectory(Path.Combine(tree, "a", "b"));
        await File.WriteAllTextAsync(Path.Combine(tree, "a", "b", "x"), "x");
        File.SetLastWriteTimeUtc(Path.Combine(tree, "a", "b", "x"), new DateTime(2019, 5, 6, 7, 8, 9, DateTimeKind.Utc));
        var upTree = await ScpAsync("hop", "-r", "-p", "t", Remote(_remote + "/t2"));
        Assert.True(upTree.ExitCode == 0, upTree.ToString());
        Assert.Equal(new DateTime(2019, 5, 6, 7, 8, 9, DateTimeKind.Utc), File.GetLastWriteTimeUtc(Path.Combine(_remote, "t2", "a", "b", "x")));
        var downTree = await ScpAsync("hop", "-r", Remote(_remote + "/t2"), "t3");
        Assert.True(downTree.ExitCode == 0, downTree.ToString());
        Assert.Equal("x", await File.ReadAllTextAsync(Path.Combine(_local, "t3", "a", "b", "x")));
    }

    [Theory]
    [InlineData("download-missing")]
    [InlineData("download-denied")]
    [InlineData("download-directory")]
    [InlineData("upload-denied")]
    [InlineData("upload-directory")]
    public async Task ErrorsMatchOpenSsh(string scenario)
    {
        await File.WriteAllTextAsync(Path.Combine(_local, "local.txt"), "x");
        Directory.CreateDirectory(Path.Combine(_local, "localdir"));
        string[] operands = scenario switch
        {
            "download-missing" => [Remote("/nonexistent-hop"), "out"],
            "download-denied" => [Remote("/etc/shadow"), "out"],
            "download-directory" => [Remote("/etc"), "out"],
            "upload-denied" => ["local.txt", Remote("/root/hop-denied")],
            _ => ["localdir", Remote(_remote + "/x")],
        };
        var openssh = await ScpAsync("openssh", operands);
        var hop = await ScpAsync("hop", operands);
        Assert.Equal(1, openssh.ExitCode);
        Assert.Equal(openssh.ExitCode, hop.ExitCode);
        // OpenSSH prefixes its messages with argv[0] (here the full path; a user types "scp") and
        // ends them with CR LF (its log code does that); the words must match.
        Assert.Equal(openssh.Stderr.Replace("/usr/bin/scp:", "scp:", StringComparison.Ordinal).Replace("\r\n", "\n", StringComparison.Ordinal), hop.Stderr);
    }

    [Fact]
    public async Task RemoteToRemoteIsRefusedClearly()
    {
        var r = await ScpAsync("hop", Remote("/etc/hostname"), Remote(_remote + "/x"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("two remote hosts is not supported", r.Stderr, StringComparison.Ordinal);
    }
}
