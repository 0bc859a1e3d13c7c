using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Config;

/// <summary>
/// StrictHostKeyChecking=no over a CHANGED host key: the connection goes on, but password and keyboard-interactive
/// authentication, agent, X11 and port forwarding and UpdateHostKeys are turned off with OpenSSH's messages, compared
/// line for line with /usr/bin/ssh against the same sshd.
/// </summary>
public sealed class ChangedHostKeyTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;
    private string _dir = null!;
    private string _knownHosts = null!;

    public async Task InitializeAsync()
    {
        _sshd = await SshdServer.StartAsync(hostKeys: ["ed25519"]);
        _dir = TestPaths.NewTempDir("hop-chk-");
        _knownHosts = Path.Combine(_dir, "known_hosts");
        // The server's name with somebody else's ed25519 key: a changed host key.
        var other = (await File.ReadAllTextAsync(await TestKeys.UserKeyAsync() + ".pub")).Trim().Split(' ');
        await File.WriteAllTextAsync(_knownHosts, $"[127.0.0.1]:{_sshd.Port} {other[0]} {other[1]}\n");
    }

    public async Task DisposeAsync() => await _sshd.DisposeAsync();

    private async Task<List<string>> ArgsAsync(params string[] extra)
    {
        var args = new List<string>
        {
            "-F", "/dev/null", "-p", _sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-i", await TestKeys.UserKeyAsync(), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
            "-o", $"UserKnownHostsFile={_knownHosts}", "-o", "GlobalKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10",
            "-o", "StrictHostKeyChecking=no",
        };
        args.AddRange(extra);
        args.AddRange(["-l", _sshd.User, "127.0.0.1"]);
        return args;
    }

    private static string[] Disabled(string stderr) =>
        stderr.Replace("\r", "", StringComparison.Ordinal).Split('\n')
            .Where(l => l.Contains("is disabled", StringComparison.Ordinal) || l.StartsWith("Error: forwarding", StringComparison.Ordinal)).ToArray();

    [Fact]
    public async Task GoesOnWithoutAnythingAManInTheMiddleCouldUse()
    {
        int port = TestPaths.FreeTcpPort();
        var flags = new[]
        {
            "-A", "-X", "-L", $"{port}:127.0.0.1:{_sshd.Port}", "-o", "PasswordAuthentication=yes",
            "-o", "KbdInteractiveAuthentication=yes", "-o", "UpdateHostKeys=yes",
        };
        const string Command = "echo \"ran [$DISPLAY] [$SSH_AUTH_SOCK]\"";
        var env = new Dictionary<string, string?> { ["DISPLAY"] = ":99", ["SSH_AUTH_SOCK"] = Path.Combine(_dir, "agent.sock") };
        var ssh = Peer.Run("/usr/bin/ssh", [.. await ArgsAsync(flags), Command],
            environment: new Dictionary<string, string> { ["DISPLAY"] = ":99", ["SSH_AUTH_SOCK"] = Path.Combine(_dir, "agent.sock") });
        Assert.True(ssh.ExitCode == 0, ssh.ToString());
        var hop = await HopCli.RunAsync(["ssh", .. await ArgsAsync(flags), Command], env);
        Assert.True(hop.ExitCode == 0, hop.ToString());

        Assert.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", hop.Stderr, StringComparison.Ordinal);
        string[] expected = Disabled(ssh.Stderr);
        Assert.Equal(6, expected.Length);
        Assert.Equal(expected, Disabled(hop.Stderr));
        // Neither X11 nor the agent reached the remote side.
        Assert.Equal("ran [] []\n", hop.Stdout);
        Assert.Equal(ssh.Stdout, hop.Stdout);
        // The file still holds the old key: nothing was learned or replaced.
        Assert.DoesNotContain(_sshd.Port + "] ssh-ed25519 " + (await File.ReadAllTextAsync(Path.Combine(await TestKeys.DirectoryAsync(), "host_ed25519.pub"))).Split(' ')[1],
            await File.ReadAllTextAsync(_knownHosts), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitOnForwardFailureGivesUp()
    {
        int port = TestPaths.FreeTcpPort();
        var flags = new[] { "-L", $"{port}:127.0.0.1:{_sshd.Port}", "-o", "ExitOnForwardFailure=yes" };
        var ssh = Peer.Run("/usr/bin/ssh", [.. await ArgsAsync(flags), "true"]);
        Assert.Equal(255, ssh.ExitCode);
        var hop = await HopCli.RunAsync(["ssh", .. await ArgsAsync(flags), "true"]);
        Assert.Equal(255, hop.ExitCode);
        Assert.Contains("Error: forwarding disabled due to host key check failure", ssh.Stderr, StringComparison.Ordinal);
        Assert.Contains("Error: forwarding disabled due to host key check failure", hop.Stderr, StringComparison.Ordinal);
        Assert.Equal(Disabled(ssh.Stderr), Disabled(hop.Stderr.Replace("hop: Error:", "Error:", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("accept-new")]
    [InlineData("ask")]
    public async Task EveryOtherModeRefuses(string mode)
    {
        var args = await ArgsAsync();
        args[args.IndexOf("StrictHostKeyChecking=no")] = $"StrictHostKeyChecking={mode}";
        var hop = await HopCli.RunAsync(["ssh", .. args, "echo ran"]);
        Assert.Equal(255, hop.ExitCode);
        Assert.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", hop.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("ran", hop.Stdout, StringComparison.Ordinal);
    }
}
