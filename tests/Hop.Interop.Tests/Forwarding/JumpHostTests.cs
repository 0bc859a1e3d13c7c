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
