using Hop.Interop.Tests.Fixtures;
using Hop.Ssh.Config;
using Hop.Ssh.Keys.Formats;

namespace Hop.Interop.Tests.Config;

/// <summary>
/// UserKnownHostsFile=/dev/null is how many scripts keep no record of hosts. Writing to it must
/// leave the device a device: a temp file renamed over it would turn /dev/null into a regular
/// file for the whole machine. The tests use a device node of their own (made with mknod).
/// </summary>
public sealed class KnownHostsDeviceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hop-khdev-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<string> MakeNullDeviceAsync()
    {
        string path = Path.Combine(_dir, "null");
        var r = Peer.Run("/usr/bin/mknod", ["-m", "666", path, "c", "1", "3"]);
        Assert.True(r.ExitCode == 0, "mknod failed (the interop tests run as root): " + r.Stderr);
        Assert.Equal("character special file", FileType(path));
        await Task.CompletedTask;
        return path;
    }

    private static string FileType(string path) => Peer.Run("/usr/bin/stat", ["-c", "%F", path]).Stdout.Trim();

    private static async Task<Hop.Ssh.Keys.SshPublicKey> KeyAsync() =>
        PublicKeyFile.Load(await TestKeys.UserKeyAsync() + ".pub").Key;

    [Fact]
    public async Task AddingAHostKeyToADeviceWritesThroughAndKeepsTheDevice()
    {
        string path = await MakeNullDeviceAsync();
        KnownHosts.Add(path, "example.test", 22, await KeyAsync(), hash: false);
        Assert.Equal("character special file", FileType(path));
        Assert.Single(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public async Task RewritingADeviceWritesThroughAndKeepsTheDevice()
    {
        string path = await MakeNullDeviceAsync();
        AtomicFile.Write(path, "x\n"u8.ToArray(), oldCopy: null);
        Assert.Equal("character special file", FileType(path));
        Assert.Single(Directory.GetFileSystemEntries(_dir));
    }
}
