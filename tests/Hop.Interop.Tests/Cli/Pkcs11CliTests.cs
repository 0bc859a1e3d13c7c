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

    [Theory]
    [InlineData("hop", "rsa")]
    [InlineData("/usr/bin/ssh", "rsa")]
    [InlineData("hop", "ecdsa")]
    [InlineData("/usr/bin/ssh", "ecdsa")]
    public async Task LogsInWithTheTokensKey(string program, string keyType)
    {
        string pub = keyType == "rsa" ? _token.RsaPublicKeyPath : _token.EcdsaPublicKeyPath;
        await File.WriteAllTextAsync(_sshd.AuthorizedKeysPath, await File.ReadAllTextAsync(pub));
        string prompts = _dir["prompts"];
        var r = await RunAsync(program, SshArgs("-I", SoftHsmToken.Module), Askpass(SoftHsmToken.Pin, prompts));
        Assert.True(r.ExitCode == 0 && r.Stdout == "in\n", r.ToString());
        // Asked once, as ssh asks, and only for the key the server accepted.
        Assert.Equal([$"Enter PIN for '{SoftHsmToken.Label}': "], File.ReadAllLines(prompts));
        string fingerprint = Tool.Ok(Tool.SshKeygen("-l", "-f", pub), "ssh-keygen -l").Stdout.Split(' ')[1];
        Assert.Contains($"Accepted publickey for {_sshd.User} from 127.0.0.1", _sshd.Log, StringComparison.Ordinal);
        Assert.Contains($"{(keyType == "rsa" ? "RSA" : "ECDSA")} {fingerprint}", _sshd.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PKCS11ProviderInTheConfigFileWorksAsMinusI()
    {
        await File.WriteAllTextAsync(_sshd.AuthorizedKeysPath, await File.ReadAllTextAsync(_token.EcdsaPublicKeyPath));
        var args = SshArgs("-o", $"PKCS11Provider={SoftHsmToken.Module}");
        var r = await RunAsync("hop", args, Askpass(SoftHsmToken.Pin, _dir["prompts"]));
        Assert.True(r.ExitCode == 0 && r.Stdout == "in\n", r.ToString());
        // "none" turns it off: no key to offer.
        r = await RunAsync("hop", SshArgs("-o", "PKCS11Provider=none"), Askpass(SoftHsmToken.Pin, _dir["prompts2"]));
        Assert.Equal(255, r.ExitCode);
        Assert.False(File.Exists(_dir["prompts2"]));
    }

    [Theory]
    [InlineData("hop")]
    [InlineData("/usr/bin/ssh")]
    public async Task AWrongPinFailsAsInSsh(string program)
    {
        await File.WriteAllTextAsync(_sshd.AuthorizedKeysPath, await File.ReadAllTextAsync(_token.EcdsaPublicKeyPath));
        string prompts = _dir["prompts"];
        var r = await RunAsync(program, SshArgs("-I", SoftHsmToken.Module), Askpass("9999", prompts));
        Assert.Equal(255, r.ExitCode);
        Assert.Equal([$"Enter PIN for '{SoftHsmToken.Label}': "], File.ReadAllLines(prompts));
        var errors = r.Stderr.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Where(l => !l.StartsWith("Warning", StringComparison.Ordinal) && !l.StartsWith("no such identity", StringComparison.Ordinal)).ToList();
        Assert.Equal(
        [
            "PKCS#11 login failed: PIN incorrect",
            "login failed",
            "pkcs11_get_key failed",
        ], errors.Take(3));
        Assert.Contains("sign_and_send_pubkey: signing failed for ECDSA \"k2\"", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("Permission denied (publickey", r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hop")]
    [InlineData("/usr/bin/ssh")]
    public async Task AMissingProviderIsReportedAndLeftOut(string program)
    {
        var r = await RunAsync(program, SshArgs("-I", "/no/such/provider.so"));
        Assert.Equal(255, r.ExitCode);
        Assert.Contains("lib_contains_symbol: open /no/such/provider.so: No such file or directory\nprovider /no/such/provider.so is not a PKCS11 library\n",
            r.Stderr.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
