using System.Globalization;
using System.Security.Cryptography;
using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Forwarding;

/// <summary>-J / ProxyJump, ProxyCommand and -W through two real sshd, each hop with its own identity.</summary>
public class JumpHostTests : IAsyncLifetime
{
    private SshdServer _a = null!;
    private SshdServer _b = null!;
    private string _config = null!;

    public async Task InitializeAsync()
    {
        var servers = await Task.WhenAll(SshdServer.StartAsync(), SshdServer.StartAsync());
        (_a, _b) = (servers[0], servers[1]);
        // Each server accepts one key only, so each hop must use the identity its config names.
        File.WriteAllText(_a.AuthorizedKeysPath, File.ReadAllText(await TestKeys.UserKeyAsync("ed25519") + ".pub"));
        File.WriteAllText(_b.AuthorizedKeysPath, File.ReadAllText(await TestKeys.UserKeyAsync("ecdsa256") + ".pub"));
        var dir = TestPaths.NewTempDir();
        _config = Path.Combine(dir, "config");
        File.WriteAllText(_config, $"""
            Host jumpa target
              HostName 127.0.0.1
              Port {P(_a.Port)}
              IdentityFile {await TestKeys.UserKeyAsync("ed25519")}
            Host jumpb
              HostName 127.0.0.1
              Port {P(_b.Port)}
              IdentityFile {await TestKeys.UserKeyAsync("ecdsa256")}
            Host *
              User {_a.User}
              IdentitiesOnly yes
              BatchMode yes
              StrictHostKeyChecking yes
              UserKnownHostsFile {_a.KnownHostsPath} {_b.KnownHostsPath}
              ConnectTimeout 30
            """);
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    private static string P(int port) => port.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task TwoHopProxyJumpReachesTheTarget()
    {
        var r = await HopCli.RunAsync(["ssh", "-F", _config, "-J", "jumpa,jumpb", "target", "echo through-two-hops"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("through-two-hops\n", r.Stdout);
        // jumpa opened the channel to jumpb, and jumpb the one to the target (on a's port).
        Assert.Contains($"target 127.0.0.1 port {P(_b.Port)}", _a.Log, StringComparison.Ordinal);
        Assert.Contains($"target 127.0.0.1 port {P(_a.Port)}", _b.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyJumpInConfigWithUserAndPort()
    {
        var r = await HopCli.RunAsync(["ssh", "-F", _config, "-o", $"ProxyJump={_b.User}@jumpb:{P(_b.Port)}", "target", "echo jumped"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("jumped\n", r.Stdout);
        Assert.Contains($"target 127.0.0.1 port {P(_a.Port)}", _b.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyCommandRunsHopSshW()
    {
        string proxy = $"{TestPaths.HopBinary} ssh -F {_config} -W %h:%p jumpb";
        var r = await HopCli.RunAsync(["ssh", "-F", _config, "-o", $"ProxyCommand={proxy}", "target", "echo proxied"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("proxied\n", r.Stdout);
        Assert.Contains($"target 127.0.0.1 port {P(_a.Port)}", _b.Log, StringComparison.Ordinal);
    }

    /// <summary>
    /// A config that picks the identity by the user (hoptest: the ed25519 key, which only a takes;
    /// root: the ECDSA key, which only b takes), so each hop must log in as its own user with its own key.
    /// </summary>
    private string UserKeyedConfig(string ed25519, string ecdsa)
    {
        var config = Path.Combine(TestPaths.NewTempDir(), "config");
        File.WriteAllText(config, $"""
            Match user {TestUser.Name}
              IdentityFile {ed25519}
            Match user root
              IdentityFile {ecdsa}
            Host *
              IdentitiesOnly yes
              BatchMode yes
              StrictHostKeyChecking yes
              UserKnownHostsFile {_a.KnownHostsPath} {_b.KnownHostsPath}
              ConnectTimeout 30
            """);
        return config;
    }

    /// <summary>Each server's sshd accepted exactly the logins given, each with the key type given, and turned down no key.</summary>
    private static void AssertLogins(SshdServer server, params (string User, string KeyType)[] logins)
    {
        var accepted = server.Log.Split('\n').Where(l => l.Contains("Accepted publickey for ", StringComparison.Ordinal)).ToList();
        Assert.Equal(logins.Length, accepted.Count);
        foreach (var (user, type) in logins)
            Assert.Contains(accepted, l => l.Contains($"Accepted publickey for {user} from 127.0.0.1", StringComparison.Ordinal) && l.Contains($"ssh2: {type} SHA256:", StringComparison.Ordinal));
        Assert.DoesNotContain("Failed publickey", server.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JumpAsTheTestUserToRootEachWithItsOwnIdentity()
    {
        var config = UserKeyedConfig(await TestKeys.UserKeyAsync("ed25519"), await TestKeys.UserKeyAsync("ecdsa256"));
        string[] args = ["-F", config, "-J", $"{TestUser.Name}@127.0.0.1:{P(_a.Port)}", "-p", P(_b.Port), "root@127.0.0.1", "id -un"];
        var r = await HopCli.RunAsync(["ssh", .. args]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("root\n", r.Stdout);
        AssertLogins(_a, (TestUser.Name, "ED25519"));
        AssertLogins(_b, ("root", "ECDSA"));
        Assert.Contains($"target 127.0.0.1 port {P(_b.Port)}", _a.Log, StringComparison.Ordinal);

        // OpenSSH's ssh, with the same config and arguments, lands as the same user.
        var ssh = await ProcessRunner.RunAsync("/usr/bin/ssh", args);
        Assert.True(ssh.ExitCode == 0, ssh.ToString());
        Assert.Equal(r.Stdout, ssh.Stdout);
    }

    [Fact]
    public async Task TwoHopChainThroughTwoUsersBackToTheFirstServer()
    {
        var config = UserKeyedConfig(await TestKeys.UserKeyAsync("ed25519"), await TestKeys.UserKeyAsync("ecdsa256"));
        var r = await HopCli.RunAsync(["ssh", "-F", config, "-J", $"{TestUser.Name}@127.0.0.1:{P(_a.Port)},root@127.0.0.1:{P(_b.Port)}",
            "-p", P(_a.Port), $"{TestUser.Name}@127.0.0.1", "id -un; echo $SSH_CONNECTION"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.Split('\n');
        Assert.Equal(TestUser.Name, lines[0]);
        // a (as hoptest) opened the channel to b; b (as root) opened the one back to a.
        Assert.Contains($"target 127.0.0.1 port {P(_b.Port)}", _a.Log, StringComparison.Ordinal);
        Assert.Contains($"target 127.0.0.1 port {P(_a.Port)}", _b.Log, StringComparison.Ordinal);
        Assert.EndsWith($" 127.0.0.1 {P(_a.Port)}", lines[1], StringComparison.Ordinal);
        AssertLogins(_a, (TestUser.Name, "ED25519"), (TestUser.Name, "ED25519"));
        AssertLogins(_b, ("root", "ECDSA"));
    }

    [Fact]
    public async Task PerHostUserAndIdentityInTheConfigFile()
    {
        // The other way round: root on the jump host (b), the test user on the destination (a).
        var config = Path.Combine(TestPaths.NewTempDir(), "config");
        File.WriteAllText(config, $"""
            Host rootjump
              HostName 127.0.0.1
              Port {P(_b.Port)}
              User root
              IdentityFile {await TestKeys.UserKeyAsync("ecdsa256")}
            Host dest
              HostName 127.0.0.1
              Port {P(_a.Port)}
              User {TestUser.Name}
              IdentityFile {await TestKeys.UserKeyAsync("ed25519")}
              ProxyJump rootjump
            Host *
              IdentitiesOnly yes
              BatchMode yes
              StrictHostKeyChecking yes
              UserKnownHostsFile {_a.KnownHostsPath} {_b.KnownHostsPath}
              ConnectTimeout 30
            """);
        var r = await HopCli.RunAsync(["ssh", "-F", config, "dest", "id -un"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal($"{TestUser.Name}\n", r.Stdout);
        AssertLogins(_b, ("root", "ECDSA"));
        AssertLogins(_a, (TestUser.Name, "ED25519"));
        Assert.Contains($"target 127.0.0.1 port {P(_a.Port)}", _b.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyCommandRefusesShellMetacharactersInTheUserName()
    {
        var dir = TestPaths.NewTempDir();
        var marker = Path.Combine(dir, "pwned");
        var r = await HopCli.RunAsync(["ssh", "-F", _config, "-o", "ProxyCommand=echo %r", "-l", $"x$(touch {marker})", "target", "true"]);
        Assert.Equal(255, r.ExitCode);
        Assert.Contains("remote username contains invalid characters", r.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task StdioForwardCarriesStdinToTheTargetAndBack()
    {
        await using var echo = TestTcpServer.StartEcho();
        var data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024);
        var r = await HopCli.RunAsync(["ssh", "-F", _config, "-W", $"127.0.0.1:{P(echo.Port)}", "jumpb"], stdin: data);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(data.Length, r.StdoutBytes.Length);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(r.StdoutBytes));
    }

    [Fact]
    public async Task StdioForwardToAClosedPortFails()
    {
        int closed = TestPaths.FreeTcpPort();
        var r = await HopCli.RunAsync(["ssh", "-F", _config, "-W", $"127.0.0.1:{P(closed)}", "jumpb"], stdin: []);
        Assert.Equal(255, r.ExitCode);
        Assert.Contains("stdio forwarding failed", r.Stderr, StringComparison.Ordinal);
    }
}
