using System.Globalization;
using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Forwarding;

/// <summary>`hop copy-id` against a real sshd reading ~/.ssh/authorized_keys: log in by password, install, then log in by key.</summary>
[Collection(TestUserHomeCollection.Name)]
public class CopyIdTests
{
    private static string AuthorizedKeys => Path.Combine(TestUser.Home, ".ssh", "authorized_keys");

    [Fact]
    public async Task InstallsTheKeySkipsItTheSecondTimeAndTheKeyLogsIn()
    {
        await TestUser.EnsureAsync();
        await using var sshd = await SshdServer.StartAsync(["AuthorizedKeysFile .ssh/authorized_keys"]);
        var sshDir = Path.Combine(TestUser.Home, ".ssh");
        // ~/.ssh is left in place (other suites on this machine share the account); only the key file is fresh.
        if (File.Exists(AuthorizedKeys)) File.Delete(AuthorizedKeys);
        // The fixture makes ~/.ssh as root; a user's ~/.ssh is the user's own.
        if (Directory.Exists(sshDir)) await ProcessRunner.RunCheckedAsync("/bin/chown", "-R", $"{TestUser.Name}:", sshDir);
        var dir = TestPaths.NewTempDir();
        var askpass = Path.Combine(dir, "askpass");
        File.WriteAllText(askpass, $"#!/bin/sh\necho '{TestUser.Password}'\n");
        File.SetUnixFileMode(askpass, (UnixFileMode)0b111_000_000);
        var env = new Dictionary<string, string?> { ["SSH_ASKPASS"] = askpass, ["SSH_ASKPASS_REQUIRE"] = "force" };
        string key = await TestKeys.UserKeyAsync("ecdsa256");
        string port = sshd.Port.ToString(CultureInfo.InvariantCulture);
        string[] options = ["-o", $"UserKnownHostsFile={sshd.KnownHostsPath}", "-o", "StrictHostKeyChecking=yes", "-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password"];

        // Before: the key does not log in.
        var loginArgs = await HopCli.SshArgsAsync(sshd.Port, sshd.User, sshd.KnownHostsPath, "ecdsa256");
        loginArgs.AddRange(["-o", "PasswordAuthentication=no", "echo", "key-login"]);
        var before = await HopCli.RunAsync(loginArgs);
        Assert.Equal(255, before.ExitCode);

        // Dry run: says what it would add, changes nothing.
        var dry = await HopCli.RunAsync(["copy-id", "-n", "-i", key, "-p", port, .. options, $"{sshd.User}@127.0.0.1"], env);
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Contains("Would have added the following key(s):", dry.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(AuthorizedKeys));

        var r = await HopCli.RunAsync(["copy-id", "-i", key, "-p", port, .. options, $"{sshd.User}@127.0.0.1"], env);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Number of key(s) added: 1", r.Stdout, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(AuthorizedKeys));
        string pub = File.ReadAllText(key + ".pub").Trim();
        Assert.Equal([pub], File.ReadAllLines(AuthorizedKeys));

        // Again: skipped, the file keeps one line.
        var again = await HopCli.RunAsync(["copy-id", "-i", key, "-p", port, .. options, $"{sshd.User}@127.0.0.1"], env);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("All keys were skipped", again.Stderr, StringComparison.Ordinal);
        Assert.Single(File.ReadAllLines(AuthorizedKeys));

        // After: the key logs in without a password.
        var after = await HopCli.RunAsync(loginArgs);
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.Equal("key-login\n", after.Stdout);
        File.Delete(AuthorizedKeys);
    }
}
