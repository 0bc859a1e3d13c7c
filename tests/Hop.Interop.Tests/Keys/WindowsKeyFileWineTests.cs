using System.Globalization;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Keys;

/// <summary>
/// Private key and configuration files on Windows (hop.exe under Wine), where a file has an access list
/// instead of a mode. Wine shows a Linux file's mode to Windows programs as an access list (other
/// bits = Everyone), and stores the list a program sets as the mode, so both directions show here.
/// </summary>
[Collection(WineCollection.Name)]
public sealed class WindowsKeyFileWineTests : IAsyncLifetime
{
    private WineSession _wine = null!;
    private string _dir = null!;

    public async Task InitializeAsync()
    {
        _wine = await WineSession.StartAsync();
        _dir = TestPaths.NewTempDir("hop-wine-keys-");
        File.SetUnixFileMode(_dir, (UnixFileMode)0b111_101_101);
    }

    public async Task DisposeAsync()
    {
        await _wine.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static UnixFileMode OtherBits(string path) =>
        File.GetUnixFileMode(path) & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);

    [Fact]
    public async Task KeygenMakesAPrivateKeyEveryoneElseIsKeptFrom()
    {
        string key = Path.Combine(_dir, "id_new");
        var made = await _wine.HopAsync(["keygen", "-q", "-t", "ed25519", "-N", "", "-C", "acl", "-f", WineSession.WindowsPath(key)]);
        Assert.True(made.ExitCode == 0, made.ToString());
        // The access list hop.exe set has no entry for Everyone; the public key keeps Windows' default.
        Assert.Equal((UnixFileMode)0, OtherBits(key));
        Assert.Equal(UnixFileMode.OtherRead, OtherBits(key + ".pub"));
        var read = await _wine.HopAsync(["keygen", "-y", "-f", WineSession.WindowsPath(key)]);
        Assert.True(read.ExitCode == 0, read.ToString());
        Assert.Equal((await File.ReadAllTextAsync(key + ".pub")).Split(' ')[..2], read.Stdout.Trim().Split(' ')[..2]);
    }

    [Fact]
    public async Task APrivateKeyEveryoneMayReadIsRefusedUntilItIsClosed()
    {
        string key = Path.Combine(_dir, "id_open");
        await ProcessRunner.RunCheckedAsync("/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "open", "-f", key);
        File.SetUnixFileMode(key, (UnixFileMode)0b110_100_100);
        var refused = await _wine.HopAsync(["keygen", "-y", "-f", WineSession.WindowsPath(key)]);
        Assert.True(refused.ExitCode != 0, refused.ToString());
        Assert.Empty(refused.Stdout);
        Assert.Contains("WARNING: UNPROTECTED PRIVATE KEY FILE!", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains($"Permissions for '{WineSession.WindowsPath(key)}' are too open: Everyone (S-1-1-0) may open it.", refused.Stderr, StringComparison.Ordinal);

        File.SetUnixFileMode(key, (UnixFileMode)0b110_000_000);
        var read = await _wine.HopAsync(["keygen", "-y", "-f", WineSession.WindowsPath(key)]);
        Assert.True(read.ExitCode == 0, read.ToString());
        Assert.StartsWith("ssh-ed25519 ", read.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AUserConfigEveryoneMayChangeIsRefused()
    {
        string ssh = Directory.CreateDirectory(Path.Combine(WineSession.UserProfile, ".ssh")).FullName;
        string config = Path.Combine(ssh, "config");
        Assert.False(File.Exists(config), "a config was left in the Wine prefix: " + config);
        try
        {
            await File.WriteAllTextAsync(config, "Host acl-test\n  Port 2345\n");
            File.SetUnixFileMode(config, (UnixFileMode)0b110_100_100);
            var readable = await _wine.HopAsync(["ssh", "-G", "acl-test"]);
            Assert.True(readable.ExitCode == 0, readable.ToString());
            Assert.Contains("port 2345\n", readable.Stdout.Replace("\r", "", StringComparison.Ordinal), StringComparison.Ordinal);

            File.SetUnixFileMode(config, (UnixFileMode)0b110_110_110);
            var writable = await _wine.HopAsync(["ssh", "-G", "acl-test"]);
            Assert.True(writable.ExitCode == 255, writable.ToString());
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"Bad owner or permissions on C:\\users\\{Environment.UserName}\\.ssh\\config"),
                writable.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(config);
        }
    }
}
