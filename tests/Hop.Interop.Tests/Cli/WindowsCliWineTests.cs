using System.Globalization;
using System.Security.Cryptography;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Cli;

/// <summary>
/// The Windows build (hop.exe, under Wine) with Windows paths, against OpenSSH's sshd: a command's
/// streams and exit status, scp and sftp to and from drive paths (Z:\... is / under Wine).
/// </summary>
[Collection(WineCollection.Name)]
public sealed class WindowsCliWineTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;
    private WineSession _wine = null!;
    private string _dir = null!;
    private string _key = null!;

    public async Task InitializeAsync()
    {
        _sshd = await SshdServer.StartAsync();
        _wine = await WineSession.StartAsync();
        _dir = TestPaths.NewTempDir("hop-wine-cli-");
        File.SetUnixFileMode(_dir, (UnixFileMode)0b111_101_101);
        _key = Path.Combine(_dir, "id_windows");
        await ProcessRunner.RunCheckedAsync("/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "windows", "-f", _key);
        await File.AppendAllTextAsync(_sshd.AuthorizedKeysPath, await File.ReadAllTextAsync(_key + ".pub"));
    }

    public async Task DisposeAsync()
    {
        await _wine.DisposeAsync();
        await _sshd.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private string[] Options(string portFlag) =>
        ["-F", "NUL", "-i", WineSession.WindowsPath(_key), "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={WineSession.WindowsPath(_sshd.KnownHostsPath)}",
         portFlag, _sshd.Port.ToString(CultureInfo.InvariantCulture)];

    [Fact]
    public async Task ACommandsOutputErrorsAndExitStatusComeBack()
    {
        var r = await _wine.HopAsync(["ssh", .. Options("-p"), $"{_sshd.User}@127.0.0.1", "cat; echo to-stderr >&2; exit 3"], stdin: "from windows\n"u8.ToArray());
        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.Equal("from windows\n", r.Stdout);
        Assert.Contains("to-stderr", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScpAndSftpCopyToAndFromDrivePaths()
    {
        byte[] content = RandomNumberGenerator.GetBytes(300_000);
        string source = Path.Combine(_dir, "source.bin");
        await File.WriteAllBytesAsync(source, content);
        string remote = $"{_sshd.User}@127.0.0.1";
        // Where sshd's login user (not the user running the tests) writes.
        string remoteDir = Directory.CreateDirectory(Path.Combine(_dir, "remote")).FullName;
        File.SetUnixFileMode(remoteDir, (UnixFileMode)0b111_111_111);

        // A drive letter's path is local, as for Windows OpenSSH's scp and PuTTY's pscp.
        var up = await _wine.HopAsync(["scp", .. Options("-P"), WineSession.WindowsPath(source), $"{remote}:{remoteDir}/scp-up.bin"]);
        Assert.True(up.ExitCode == 0, up.ToString());
        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(remoteDir, "scp-up.bin")));
        var down = await _wine.HopAsync(["scp", .. Options("-P"), $"{remote}:{remoteDir}/scp-up.bin", WineSession.WindowsPath(Path.Combine(_dir, "scp-down.bin"))]);
        Assert.True(down.ExitCode == 0, down.ToString());
        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(_dir, "scp-down.bin")));

        // In sftp's commands a backslash is the path's separator, not an escape, as in PuTTY's psftp.
        string batch = Path.Combine(_dir, "batch");
        await File.WriteAllTextAsync(batch,
            $"get {_dir}/source.bin {WineSession.WindowsPath(Path.Combine(_dir, "sftp-got.bin"))}\n" +
            $"put {WineSession.WindowsPath(source)} {remoteDir}/sftp-put.bin\n");
        var sftp = await _wine.HopAsync(["sftp", .. Options("-P"), "-b", WineSession.WindowsPath(batch), remote]);
        Assert.True(sftp.ExitCode == 0, sftp.ToString());
        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(_dir, "sftp-got.bin")));
        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(remoteDir, "sftp-put.bin")));
    }
}
