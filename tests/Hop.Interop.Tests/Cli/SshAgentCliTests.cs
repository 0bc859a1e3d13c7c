using Hop.Interop.Tests.Agent;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Cli;

/// <summary>`hop ssh` with an agent: OpenSSH's ssh-agent and hop agent, -A forwarding, AddKeysToAgent.</summary>
public class SshAgentCliTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;
    private TempDir _dir = null!;

    public async Task InitializeAsync()
    {
        _sshd = await SshdServer.StartAsync();
        _dir = new TempDir();
    }

    public async Task DisposeAsync()
    {
        await _sshd.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>hop ssh arguments with no identity file: only the agent can log in.</summary>
    private List<string> AgentOnlyArgs() =>
    [
        "ssh", "-F", "/dev/null", "-p", _sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={_sshd.KnownHostsPath}", "-o", "StrictHostKeyChecking=yes",
        "-o", "IdentityFile=/nonexistent/key", "-l", _sshd.User, "127.0.0.1",
    ];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task LogsInWithAKeyFromTheAgent(bool hopAgent)
    {
        await using var agent = await AgentProcess.StartAsync(hopAgent, Path.Combine(_dir.Path, "agent.sock"));
        var add = await ProcessRunner.RunAsync("/usr/bin/ssh-add", [await TestKeys.UserKeyAsync("rsa")], agent.Env);
        Assert.True(add.ExitCode == 0, add.ToString());
        var args = AgentOnlyArgs();
        args.Add("echo via-agent");
        var r = await HopCli.RunAsync(args, agent.Env);
        Assert.True(r.ExitCode == 0, r + agent.Log);
        Assert.Equal("via-agent\n", r.Stdout);
    }

    [Fact]
    public async Task WithoutAnAgentKeyTheLoginFails()
    {
        await using var agent = await AgentProcess.StartAsync(true, Path.Combine(_dir.Path, "agent.sock"));
        var args = AgentOnlyArgs();
        args.Add("true");
        var r = await HopCli.RunAsync(args, agent.Env);
        Assert.Equal(255, r.ExitCode);
        Assert.Contains("Permission denied", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForwardedAgentListsTheLocalKeysOnlyWithDashA()
    {
        await using var agent = await AgentProcess.StartAsync(true, Path.Combine(_dir.Path, "agent.sock"));
        var add = await ProcessRunner.RunAsync("/usr/bin/ssh-add", [await TestKeys.UserKeyAsync("ecdsa256")], agent.Env);
        Assert.True(add.ExitCode == 0, add.ToString());
        var fp = (await ProcessRunner.RunCheckedAsync("/usr/bin/ssh-keygen", "-lf", await TestKeys.UserKeyAsync("ecdsa256"))).Stdout.Split(' ')[1];

        var with = await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        with.Insert(1, "-A");
        with.Add("ssh-add -l");
        var r = await HopCli.RunAsync(with, agent.Env);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains(fp, r.Stdout, StringComparison.Ordinal);

        var without = await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        without.Add("ssh-add -l");
        var n = await HopCli.RunAsync(without, agent.Env);
        Assert.Equal(2, n.ExitCode);
        Assert.DoesNotContain(fp, n.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddKeysToAgentAddsTheDecryptedKey()
    {
        await using var agent = await AgentProcess.StartAsync(false, Path.Combine(_dir.Path, "agent.sock"));
        var key = Path.Combine(_dir.Path, "id_pass");
        await ProcessRunner.RunCheckedAsync("/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-a", "2", "-N", "s3cret", "-C", "pass-key", "-f", key);
        File.AppendAllText(_sshd.AuthorizedKeysPath, File.ReadAllText(key + ".pub"));
        var askpass = Path.Combine(_dir.Path, "askpass");
        File.WriteAllText(askpass, "#!/bin/sh\necho s3cret\n");
        File.SetUnixFileMode(askpass, (UnixFileMode)0b111_000_000);
        var env = agent.Env;
        env["SSH_ASKPASS"] = askpass;
        env["SSH_ASKPASS_REQUIRE"] = "force";
        var args = await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        args[args.IndexOf("-i") + 1] = key;
        args[args.IndexOf("BatchMode=yes")] = "BatchMode=no";
        args.InsertRange(1, ["-o", "AddKeysToAgent=yes"]);
        args.Add("true");
        var r = await HopCli.RunAsync(args, env);
        Assert.True(r.ExitCode == 0, r.ToString());
        var list = await ProcessRunner.RunAsync("/usr/bin/ssh-add", ["-l"], agent.Env);
        Assert.Contains("pass-key", list.Stdout, StringComparison.Ordinal);
    }
}
