using System.Globalization;
using Hop.Interop.Tests.Fixtures;
using Hop.Interop.Tests.Keys;

namespace Hop.Interop.Tests.Cli;

/// <summary>
/// RequiredRSASize beside OpenSSH's ssh, against an sshd whose only host key is a 1024-bit RSA key,
/// with a 1024-bit RSA user key in its authorized_keys: both pass the default (1024); above it the
/// host key is refused, and the user key is left out of authentication.
/// </summary>
public class RequiredRsaSizeCliTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private SshdServer _sshd = null!;

    public async Task InitializeAsync()
    {
        Tool.Ok(Tool.SshKeygen("-q", "-N", "", "-t", "rsa", "-b", "1024", "-f", _dir["host_rsa1024"]), "ssh-keygen");
        Tool.Ok(Tool.SshKeygen("-q", "-N", "", "-t", "rsa", "-b", "1024", "-f", _dir["id_rsa1024"]), "ssh-keygen");
        _sshd = await SshdServer.StartAsync([$"HostKey {_dir["host_rsa1024"]}"], hostKeys: []);
        await File.WriteAllTextAsync(_sshd.AuthorizedKeysPath, await File.ReadAllTextAsync(_dir["id_rsa1024.pub"]));
        var host = (await File.ReadAllTextAsync(_dir["host_rsa1024.pub"])).Split(' ');
        await File.WriteAllTextAsync(_dir["known_hosts"], $"[127.0.0.1]:{_sshd.Port.ToString(CultureInfo.InvariantCulture)} {host[0]} {host[1]}\n");
    }

    public async Task DisposeAsync()
    {
        await _sshd.DisposeAsync();
        _dir.Dispose();
    }

    private async Task<ProcessResult> RunAsync(string program, string key, params string[] options)
    {
        string[] args =
        [
            "-F", "/dev/null", "-p", _sshd.Port.ToString(CultureInfo.InvariantCulture), "-i", key, "-o", "IdentitiesOnly=yes",
            "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={_dir["known_hosts"]}", "-o", "GlobalKnownHostsFile=/dev/null",
            .. options, "-l", _sshd.User, "127.0.0.1", "echo in",
        ];
        return program == "hop"
            ? await HopCli.RunAsync(["ssh", .. args])
            : await ProcessRunner.RunAsync("/usr/bin/ssh", args, HopCli.IsolatedEnvironment(), [], TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData("hop")]
    [InlineData("/usr/bin/ssh")]
    public async Task TheDefaultTakes1024BitKeys(string program)
    {
        var r = await RunAsync(program, _dir["id_rsa1024"]);
        Assert.True(r.ExitCode == 0 && r.Stdout == "in\n", r.ToString());
    }

    [Theory]
    [InlineData("hop")]
    [InlineData("/usr/bin/ssh")]
    public async Task AShorterHostKeyIsRefused(string program)
    {
        var r = await RunAsync(program, _dir["id_rsa1024"], "-o", "RequiredRSASize=2048");
        Assert.Equal(255, r.ExitCode);
        Assert.Contains("Bad server host key: Invalid key length", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Host key verification failed.", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("in\n", r.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hop")]
    [InlineData("/usr/bin/ssh")]
    public async Task AShorterUserKeyIsNotOffered(string program)
    {
        // An sshd with an ed25519 host key that takes the 1024-bit user key: only the user key is short.
        await using var sshd = await SshdServer.StartAsync(hostKeys: ["ed25519"]);
        await File.WriteAllTextAsync(sshd.AuthorizedKeysPath, await File.ReadAllTextAsync(_dir["id_rsa1024.pub"]));
        string[] args =
        [
            "-v", "-F", "/dev/null", "-p", sshd.Port.ToString(CultureInfo.InvariantCulture), "-i", _dir["id_rsa1024"], "-o", "IdentitiesOnly=yes",
            "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={sshd.KnownHostsPath}", "-o", "RequiredRSASize=2048", "-l", sshd.User, "127.0.0.1", "echo in",
        ];
        var r = program == "hop"
            ? await HopCli.RunAsync(["ssh", .. args])
            : await ProcessRunner.RunAsync("/usr/bin/ssh", args, HopCli.IsolatedEnvironment(), [], TimeSpan.FromSeconds(30));
        Assert.Equal(255, r.ExitCode);
        Assert.Contains("Permission denied (publickey", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Server accepts key", r.Stderr, StringComparison.Ordinal);
        if (program == "hop") Assert.Contains($"skipping key {_dir["id_rsa1024"]}: Invalid key length", r.Stderr, StringComparison.Ordinal);
    }
}
