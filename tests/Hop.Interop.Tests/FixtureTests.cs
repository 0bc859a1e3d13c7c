using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests;

/// <summary>The fixtures themselves work: OpenSSH's own client reaches each server.</summary>
[Collection(TestUserHomeCollection.Name)]
public class FixtureTests
{
    [Fact]
    public async Task OpenSshClientReachesSshdFixture()
    {
        await using var sshd = await SshdServer.StartAsync();
        var args = await sshd.OpenSshArgsAsync();
        args.Add("echo fixture-ok; id -un");
        var r = await ProcessRunner.RunAsync("/usr/bin/ssh", args, timeout: TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 0, r + sshd.Log);
        Assert.Equal($"fixture-ok\n{TestUser.Name}\n", r.Stdout);
    }

    [Fact]
    public async Task OpenSshClientReachesDropbearFixture()
    {
        await using var server = await DropbearServer.StartAsync();
        var r = await ProcessRunner.RunAsync("/usr/bin/ssh",
        [
            "-F", "/dev/null", "-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-i", await TestKeys.UserKeyAsync(), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
            "-o", $"UserKnownHostsFile={server.KnownHostsPath}", "-o", "StrictHostKeyChecking=yes",
            "-l", server.User, "127.0.0.1", "echo dropbear-ok",
        ], timeout: TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("dropbear-ok\n", r.Stdout);
    }

    [Fact]
    public async Task OpenSshClientLogsInToAsyncSshWithPasswordThroughAskpass()
    {
        await using var server = await AsyncSshServer.StartAsync("password");
        var dir = TestPaths.NewTempDir();
        var askpass = Path.Combine(dir, "askpass");
        File.WriteAllText(askpass, $"#!/bin/sh\necho '{TestUser.Password}'\n");
        File.SetUnixFileMode(askpass, (UnixFileMode)0b111_000_000);
        var r = await ProcessRunner.RunAsync("/usr/bin/ssh",
        [
            "-F", "/dev/null", "-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password",
            "-o", $"UserKnownHostsFile={server.KnownHostsPath}", "-o", "StrictHostKeyChecking=yes",
            "-l", TestUser.Name, "127.0.0.1", "hello",
        ], env: new Dictionary<string, string?> { ["SSH_ASKPASS"] = askpass, ["SSH_ASKPASS_REQUIRE"] = "force", ["DISPLAY"] = null },
        timeout: TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("asyncssh ran: hello\n", r.Stdout);
    }
}
