using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Cli;

/// <summary>LocalCommand and PermitLocalCommand beside OpenSSH's ssh (its regress/localcommand.sh and host-expand.sh).</summary>
public class LocalCommandCliTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;

    public async Task InitializeAsync() => _sshd = await SshdServer.StartAsync();
    public async Task DisposeAsync() => await _sshd.DisposeAsync();

    [Theory]
    [InlineData("yes")]
    [InlineData("no")]
    public async Task LocalCommandRunsWithItsTokensOnlyWhenPermitted(string permit)
    {
        string[] options = ["-o", $"PermitLocalCommand={permit}", "-o", "LocalCommand=printf '%%s|' %n %h %p %r %u %T; echo", "echo remote"];
        var ssh = await ProcessRunner.RunAsync("/usr/bin/ssh", [.. await _sshd.OpenSshArgsAsync(), .. options], HopCli.IsolatedEnvironment());
        var hop = await HopCli.RunAsync([.. await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath), .. options]);

        Assert.True(ssh.ExitCode == 0, ssh.ToString());
        Assert.True(hop.ExitCode == 0, hop.ToString());
        Assert.Equal(ssh.Stdout, hop.Stdout);
        Assert.EndsWith("remote\n", hop.Stdout, StringComparison.Ordinal);
        if (permit == "yes") Assert.StartsWith($"127.0.0.1|127.0.0.1|{_sshd.Port}|{_sshd.User}|", hop.Stdout, StringComparison.Ordinal);
        else Assert.Equal("remote\n", hop.Stdout);
    }

    [Fact]
    public async Task TheClientStartsOneSocketEngineThreadHoweverManyCoresItHas()
    {
        // LocalCommand runs once the connection is up, as hop's child: its $PPID is the client.
        // .NET with inline socket completions would start one ".NET Sockets" thread per core.
        string[] options = ["-o", "PermitLocalCommand=yes", "-o", "LocalCommand=cat /proc/$PPID/task/*/comm | grep -c '.NET Sockets'", "true"];
        var env = new Dictionary<string, string?> { ["DOTNET_PROCESSOR_COUNT"] = "16" };
        var hop = await HopCli.RunAsync([.. await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath), .. options], env);
        Assert.True(hop.ExitCode == 0, hop.ToString());
        Assert.Equal("1\n", hop.Stdout);
    }
}
