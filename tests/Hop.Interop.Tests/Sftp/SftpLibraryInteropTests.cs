using System.Security.Cryptography;
using Hop.Interop.Tests.Client;
using Hop.Interop.Tests.Fixtures;
using Hop.Ssh;
using Hop.Ssh.Sftp;

namespace Hop.Interop.Tests.Sftp;

/// <summary>The library's SftpClient against OpenSSH's internal-sftp.</summary>
public class SftpLibraryInteropTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;
    private string _remote = null!;

    public async Task InitializeAsync()
    {
        _sshd = await SshdServer.StartAsync();
        _remote = SftpHarness.RemoteDirectory();
    }

    public async Task DisposeAsync()
    {
        await _sshd.DisposeAsync();
        SftpHarness.DeleteQuietly(_remote);
    }

    private async Task<(Hop.Ssh.Client.SshClient Ssh, SftpClient Sftp)> OpenAsync()
    {
        var ssh = await ClientHarness.ConnectAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        return (ssh, await SftpClient.OpenAsync(ssh).WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task SixtyFourMegabytesUpAndDownIntact()
    {
        var (ssh, sftp) = await OpenAsync();
        await using (ssh)
        await using (sftp)
        {
            Assert.Equal(3u, sftp.ServerVersion);
            Assert.True(sftp.ReadChunkSize > 32 * 1024, "limits@openssh.com should raise the chunk size");
            var data = RandomNumberGenerator.GetBytes(64 * 1024 * 1024);
            string path = Path.Combine(_remote, "big");
            Assert.Equal(data.Length, await sftp.UploadAsync(new MemoryStream(data), path).WaitAsync(TimeSpan.FromSeconds(90)));
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(path)));
            var back = new MemoryStream();
            Assert.Equal(data.Length, await sftp.DownloadAsync(path, back).WaitAsync(TimeSpan.FromSeconds(90)));
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(back.ToArray()));
        }
    }

    [Fact]
    public async Task DirectoriesAttributesLinksAndExtensions()
    {
        var (ssh, sftp) = await OpenAsync();
        await using (ssh)
        await using (sftp)
        {
            string dir = Path.Combine(_remote, "d");
            await sftp.MkdirAsync(dir, new SftpAttributes { Permissions = 0x1ED });
            Assert.True((await sftp.StatAsync(dir)).IsDirectory);
            string file = Path.Combine(dir, "f");
            await sftp.UploadAsync(new MemoryStream("hello"u8.ToArray()), file, new SftpAttributes { Permissions = 0x1A4 });
            await sftp.ChmodAsync(file, 0x1C0);
            Assert.Equal((UnixFileMode)0x1C0, File.GetUnixFileMode(file));
            await sftp.SetStatAsync(file, new SftpAttributes { AccessTime = 1_600_000_000, ModifyTime = 1_600_000_000 });
            var a = await sftp.StatAsync(file);
            Assert.Equal(5UL, a.Size);
            Assert.Equal(1_600_000_000u, a.ModifyTime);
            Assert.Equal(1_600_000_000L, new DateTimeOffset(File.GetLastWriteTimeUtc(file)).ToUnixTimeSeconds());

            var names = (await sftp.ListAsync(dir)).Select(e => e.Name).Order(StringComparer.Ordinal).ToList();
            Assert.Equal([".", "..", "f"], names);

            string link = Path.Combine(dir, "l");
            await sftp.SymlinkAsync("f", link);
            Assert.Equal("f", await sftp.ReadLinkAsync(link));
            Assert.True((await sftp.LStatAsync(link)).IsSymbolicLink);
            Assert.Equal("f", new FileInfo(link).LinkTarget);

            // posix-rename replaces an existing target.
            string other = Path.Combine(dir, "g");
            await File.WriteAllTextAsync(other, "old");
            File.SetUnixFileMode(other, (UnixFileMode)0x1B6);
            await sftp.RenameAsync(file, other);
            Assert.Equal("hello", await File.ReadAllTextAsync(other));
            Assert.False(File.Exists(file));

            Assert.Equal(dir, await sftp.RealPathAsync(dir + "/./"));
            var vfs = await sftp.StatVfsAsync(dir);
            Assert.True(vfs.Blocks > 0);
            var limits = await sftp.GetLimitsAsync();
            Assert.True(limits.MaxReadLength >= 32 * 1024);

            await sftp.RemoveAsync(link);
            await sftp.RemoveAsync(other);
            await sftp.RmdirAsync(dir);
            Assert.False(Directory.Exists(dir));
        }
    }

    [Fact]
    public async Task ErrorsCarryTheServersStatus()
    {
        var (ssh, sftp) = await OpenAsync();
        await using (ssh)
        await using (sftp)
        {
            var missing = await Assert.ThrowsAsync<SftpException>(() => sftp.DownloadAsync("/nonexistent/x", Stream.Null));
            Assert.Equal(SftpStatusCode.NoSuchFile, missing.Code);
            Assert.Equal("No such file or directory", missing.Message);
            var denied = await Assert.ThrowsAsync<SftpException>(() => sftp.DownloadAsync("/etc/shadow", Stream.Null));
            Assert.Equal(SftpStatusCode.PermissionDenied, denied.Code);
            Assert.Equal("Permission denied", denied.Message);
            await Assert.ThrowsAsync<SftpException>(() => sftp.MkdirAsync("/root/nope"));
            // The session is still usable after errors.
            Assert.Equal(_remote, await sftp.RealPathAsync(_remote));
        }
    }
}
