using System.Globalization;
using Hop.Interop.Tests.Fixtures;
using Hop.Interop.Tests.Keys;

namespace Hop.Interop.Tests.Cli;

/// <summary>
/// PKCS#11 token keys beside OpenSSH, on a SoftHSM2 token of each test's own: `keygen -D` prints what
/// ssh-keygen -D prints, and `ssh -I` logs in to a real sshd with the token's RSA or ECDSA key, the PIN
/// coming from SSH_ASKPASS, as ssh does; a wrong PIN fails both the same way.
/// </summary>
public sealed class Pkcs11CliTests : IAsyncLifetime
{
    private readonly SoftHsmToken _token = new();
    private readonly TempDir _dir = new();
    private SshdServer _sshd = null!;

    public async Task InitializeAsync() => _sshd = await SshdServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _sshd.DisposeAsync();
        _dir.Dispose();
        _token.Dispose();
    }

    private Dictionary<string, string?> Env(string? askpass = null)
    {
        var env = HopCli.IsolatedEnvironment();
        foreach (var (k, v) in _token.Environment) env[k] = v;
        if (askpass is not null)
        {
            env["SSH_ASKPASS"] = askpass;
            env["SSH_ASKPASS_REQUIRE"] = "force";
        }
        return env;
    }

    private Task<ProcessResult> RunAsync(string program, IEnumerable<string> args, string? askpass = null) => program == "hop"
        ? HopCli.RunAsync(args.Prepend("ssh"), Env(askpass))
        : ProcessRunner.RunAsync(program, args, Env(askpass), [], TimeSpan.FromSeconds(60));

    private Task<ProcessResult> KeygenAsync(string program, params string[] args) => program == "hop"
        ? HopCli.RunAsync(["keygen", .. args], Env())
        : ProcessRunner.RunAsync("/usr/bin/ssh-keygen", args, Env(), [], TimeSpan.FromSeconds(60));

    /// <summary>An askpass script that writes its prompt down and answers <paramref name="pin"/>.</summary>
    private string Askpass(string pin, string log)
    {
        string path = _dir["askpass-" + Path.GetFileName(log)];
        File.WriteAllText(path, $"#!/bin/sh\nprintf '%s\\n' \"$1\" >> {log}\necho {pin}\n");
        File.SetUnixFileMode(path, (UnixFileMode)0b111_000_000);
        return path;
    }

    private string[] SshArgs(params string[] options) =>
    [
        "-F", "/dev/null", "-p", _sshd.Port.ToString(CultureInfo.InvariantCulture),
        "-i", _dir["no-such-key"], "-o", "IdentityAgent=none", "-o", "PasswordAuthentication=no",
        "-o", "KbdInteractiveAuthentication=no", "-o", $"UserKnownHostsFile={_sshd.KnownHostsPath}",
        "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes",
        .. options, "-l", _sshd.User, "127.0.0.1", "echo in",
    ];

    [Fact]
    public async Task KeygenDownloadPrintsWhatSshKeygenPrints()
    {
        foreach (var options in new[] { new[] { "-D", SoftHsmToken.Module }, ["-l", "-D", SoftHsmToken.Module], ["-D", SoftHsmToken.Module, "-l", "-E", "md5"] })
        {
            var ssh = await KeygenAsync("ssh-keygen", options);
            var hop = await KeygenAsync("hop", options);
            Assert.True(ssh.ExitCode == 0, ssh.ToString());
            Assert.True(hop.ExitCode == 0, hop.ToString());
            Assert.Equal(ssh.Stdout, hop.Stdout);
        }
        // The lines are the token's keys, named by their labels.
        var lines = (await KeygenAsync("hop", "-D", SoftHsmToken.Module)).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        string rsa = string.Join(' ', File.ReadAllText(_token.RsaPublicKeyPath).Split(' ')[..2]);
        Assert.Contains(rsa + " k1", lines);
    }

    [Theory]
    [InlineData("/no/such/provider.so")]
    [InlineData("/etc/passwd")]
    [InlineData("/usr/lib/x86_64-linux-gnu/libz.so.1")]
    public async Task KeygenDownloadOfSomethingElseFailsAsSshKeygen(string provider)
    {
        var ssh = await KeygenAsync("ssh-keygen", "-D", provider);
        var hop = await KeygenAsync("hop", "-D", provider);
        Assert.Equal(255, ssh.ExitCode);
        Assert.Equal(255, hop.ExitCode);
        // ssh ends its log lines with CR LF.
        Assert.Equal(ssh.Stderr.Replace("\r\n", "\n", StringComparison.Ordinal), hop.Stderr);
        Assert.Contains($"provider {provider} is not a PKCS11 library", hop.Stderr, StringComparison.Ordinal);
    }
}
