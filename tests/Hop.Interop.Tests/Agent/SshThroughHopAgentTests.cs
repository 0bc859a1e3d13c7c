using System.Globalization;
using Hop.Interop.Tests.Fixtures;
using static Hop.Interop.Tests.Agent.AgentTools;

namespace Hop.Interop.Tests.Agent;

/// <summary>OpenSSH's ssh logging in to a real sshd with keys held by `hop agent` (session-bind included).</summary>
public class SshThroughHopAgentTests
{
    private static List<string> SshArgs(SshdServer sshd, string dir) =>
    [
        "-F", "/dev/null",
        "-p", sshd.Port.ToString(CultureInfo.InvariantCulture),
        // An identity file that does not exist: the agent's keys are all ssh has.
        "-o", $"IdentityFile={Path.Combine(dir, "no-such-key")}",
        "-o", "BatchMode=yes",
        "-o", $"UserKnownHostsFile={sshd.KnownHostsPath}",
        "-o", "StrictHostKeyChecking=yes",
        "-o", "ConnectTimeout=10",
        "-l", sshd.User,
        sshd.Host,
    ];

    [Theory]
    [InlineData("ed25519", "ssh-ed25519")]
    [InlineData("rsa", "rsa-sha2-512")]
    [InlineData("ecdsa256", "ecdsa-sha2-nistp256")]
    public async Task SshLogsInWithAKeyFromHopAgent(string keyType, string hostKeyAlgorithm)
    {
        using var dir = new TempDir();
        await using var sshd = await SshdServer.StartAsync(extraConfig: [$"HostKeyAlgorithms {hostKeyAlgorithm}"]);
        await using var agent = await AgentProcess.StartAsync(hop: true, dir["sock"], debug: true);
        var add = await RunAsync(HopPath, ["add", await TestKeys.UserKeyAsync(keyType)], agent.Env);
        Assert.True(add.ExitCode == 0, add.All);

        var r = await RunAsync("/usr/bin/ssh", [.. SshArgs(sshd, dir.Path), "echo", "logged-in"], agent.Env);
        Assert.True(r.ExitCode == 0, r.All + sshd.Log);
        Assert.Equal("logged-in\n", r.Stdout);
        // ssh bound the connection to its session, and the agent checked the host's signature.
        Assert.Contains("session-bind: recorded", agent.Log, StringComparison.Ordinal);
        Assert.Contains("debug1: sign:", agent.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PpkKeyAddedByHopAddServesOpenSsh()
    {
        using var dir = new TempDir();
        string ppk = dir["user.ppk"];
        var conv = await RunAsync("/usr/bin/puttygen", [await TestKeys.UserKeyAsync("ed25519"), "-O", "private", "-o", ppk, "--new-passphrase", WritePass(dir, "ppk secret")]);
        Assert.True(conv.ExitCode == 0, conv.All);
        File.SetUnixFileMode(ppk, (UnixFileMode)0x180);
        await using var sshd = await SshdServer.StartAsync();
        await using var agent = await AgentProcess.StartAsync(hop: true, dir["sock"]);
        File.WriteAllText(dir["answer"], "ppk secret");
        string askpass = WriteAskpass(dir.Path, "askpass", dir["answer"]);
        var add = await RunAsync(HopPath, ["add", ppk], new Dictionary<string, string?>(agent.Env) { ["SSH_ASKPASS"] = askpass, ["SSH_ASKPASS_REQUIRE"] = "force" });
        Assert.True(add.ExitCode == 0, add.All);

        var r = await RunAsync("/usr/bin/ssh", [.. SshArgs(sshd, dir.Path), "echo", "ppk-ok"], agent.Env);
        Assert.True(r.ExitCode == 0, r.All + sshd.Log);
        Assert.Equal("ppk-ok\n", r.Stdout);
    }

    [Fact]
    public async Task ForwardedAgentListsTheKeysOnlyWithMinusA()
    {
        using var dir = new TempDir();
        await using var sshd = await SshdServer.StartAsync();
        await using var agent = await AgentProcess.StartAsync(hop: true, dir["sock"], debug: true);
        Assert.Equal(0, (await RunAsync("/usr/bin/ssh-add", ["-q", await TestKeys.UserKeyAsync("ed25519")], agent.Env)).ExitCode);
        string expected = (await RunAsync("/usr/bin/ssh-add", ["-l"], agent.Env)).Stdout;

        var fwd = await RunAsync("/usr/bin/ssh", ["-A", .. SshArgs(sshd, dir.Path), "ssh-add", "-l"], agent.Env);
        Assert.True(fwd.ExitCode == 0, fwd.All + sshd.Log);
        Assert.Equal(expected, fwd.Stdout);
        Assert.Contains("(forwarding)", agent.Log, StringComparison.Ordinal);

        var plain = await RunAsync("/usr/bin/ssh", ["-a", .. SshArgs(sshd, dir.Path), "ssh-add", "-l"], agent.Env);
        Assert.Equal(2, plain.ExitCode);
    }

    private static string WritePass(TempDir dir, string pass)
    {
        string f = dir["pass"];
        File.WriteAllText(f, pass + "\n");
        return f;
    }
}
