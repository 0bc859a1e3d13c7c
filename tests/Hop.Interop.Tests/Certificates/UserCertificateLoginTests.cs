using AgentProcess = Hop.Interop.Tests.Agent.AgentProcess;
using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;
using Hop.Interop.Tests.Keys;

namespace Hop.Interop.Tests.Certificates;

/// <summary>
/// User certificates against a real sshd that trusts the CA (TrustedUserCAKeys) and has no authorized_keys line
/// for the key: certificates made by ssh-keygen -s and by hop keygen -s log hop ssh in, and OpenSSH's ssh logs in
/// with a hop-made one.
/// </summary>
public class UserCertificateLoginTests : IClassFixture<UserCertificateLoginTests.Server>
{
    /// <summary>The CA keys and the sshd that trusts them, made once for the class.</summary>
    public sealed class Server : IAsyncLifetime
    {
        public SshdServer Sshd { get; private set; } = null!;
        internal TempDir Dir { get; } = new();

        public async Task InitializeAsync()
        {
            File.SetUnixFileMode(Dir.Path, (UnixFileMode)0b111_101_101);
            Tool.Ok(Tool.SshKeygen("-q", "-N", "", "-t", "ed25519", "-C", "ca", "-f", Dir["ca"]), "ssh-keygen");
            Tool.Ok(Tool.SshKeygen("-q", "-N", "", "-t", "rsa", "-b", "2048", "-C", "rsaca", "-f", Dir["rsaca"]), "ssh-keygen");
            string trusted = Dir["trusted_cas"];
            File.WriteAllText(trusted, File.ReadAllText(Dir["ca.pub"]) + File.ReadAllText(Dir["rsaca.pub"]));
            File.SetUnixFileMode(trusted, (UnixFileMode)0b110_100_100);
            Sshd = await SshdServer.StartAsync([$"TrustedUserCAKeys {trusted}"]);
        }

        public async Task DisposeAsync()
        {
            await Sshd.DisposeAsync();
            Dir.Dispose();
        }
    }

    private readonly SshdServer _sshd;
    private readonly TempDir _dir;

    public UserCertificateLoginTests(Server server)
    {
        _sshd = server.Sshd;
        _dir = server.Dir;
    }

    private string NewKey(string name, string type)
    {
        var bits = type == "rsa" ? new[] { "-b", "2048" } : type == "ecdsa" ? new[] { "-b", "384" } : [];
        Tool.Ok(Tool.SshKeygen(["-q", "-N", "", "-C", name, "-t", type, .. bits, "-f", _dir[name]]), "ssh-keygen");
        return _dir[name];
    }

    private List<string> HopArgs(string identity, params string[] extra) =>
    [
        "ssh", "-F", "/dev/null", "-p", _sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "-i", identity, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
        "-o", $"UserKnownHostsFile={_sshd.KnownHostsPath}", "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=10",
        .. extra, "-l", _sshd.User, "127.0.0.1", "echo in",
    ];

    [Theory]
    [InlineData("ssh-keygen", "ed25519", "ca")]
    [InlineData("hop", "ed25519", "ca")]
    [InlineData("ssh-keygen", "rsa", "rsaca")]
    [InlineData("hop", "rsa", "ca")]
    [InlineData("hop", "ecdsa", "rsaca")]
    public async Task CertificateBesideTheKeyLogsIn(string signer, string keyType, string ca)
    {
        string key = NewKey($"{signer}-{keyType}-{ca}", keyType);
        // Without the certificate the key is refused: it is in no authorized_keys file.
        var refused = await HopCli.RunAsync(HopArgs(key));
        Assert.True(refused.ExitCode == 255, refused.ToString());
        string id = $"cert {signer} {keyType}";
        var sign = Tool.Run(signer == "hop" ? Tool.Hop : "/usr/bin/ssh-keygen",
            [.. signer == "hop" ? new[] { "keygen" } : [], "-s", _dir[ca], "-I", id, "-n", $"nobody,{_sshd.User}", "-V", "-5m:+1h", key + ".pub"]);
        Assert.True(sign.ExitCode == 0, sign.Stderr);
        var r = await HopCli.RunAsync(HopArgs(key, "-v"));
        Assert.True(r.ExitCode == 0, r + _sshd.Log);
        Assert.Equal("in\n", r.Stdout);
        Assert.Contains($"Accepted certificate ID \"{id}\"", _sshd.Log, StringComparison.Ordinal);
        // A key in clear is sent signed at once (no query first). sshd 9.2 accepts no SHA-1
        // ssh-rsa-cert-v01 by default, so an accepted RSA certificate was signed with rsa-sha2-*.
        string label = keyType == "rsa" ? "RSA-CERT" : keyType == "ecdsa" ? "ECDSA-CERT" : "ED25519-CERT";
        Assert.Matches($"Accepted publickey for {_sshd.User} .* ssh2: {label} SHA256:\\S+ ID {System.Text.RegularExpressions.Regex.Escape(id)} ", _sshd.Log);
        Assert.Contains($"Offering public key: {key}-cert.pub", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("using \"publickey\"", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CertificateFileOptionIsUsed()
    {
        string key = NewKey("certfile", "ed25519");
        Tool.Ok(Tool.Run(Tool.Hop, ["keygen", "-s", _dir["ca"], "-I", "via CertificateFile", "-n", _sshd.User, key + ".pub"]), "hop keygen -s");
        string elsewhere = _dir["elsewhere.pub"];
        File.Move(key + "-cert.pub", elsewhere);
        var r = await HopCli.RunAsync(HopArgs(key, "-o", $"CertificateFile={elsewhere}"));
        Assert.True(r.ExitCode == 0, r + _sshd.Log);
        Assert.Contains("Accepted certificate ID \"via CertificateFile\"", _sshd.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CertificateForAnotherUserOrExpiredIsRefused()
    {
        string key = NewKey("wrong", "ed25519");
        Tool.Ok(Tool.Run(Tool.Hop, ["keygen", "-s", _dir["ca"], "-I", "wrong principal", "-n", "somebody-else", key + ".pub"]), "hop keygen -s");
        var r = await HopCli.RunAsync(HopArgs(key));
        Assert.True(r.ExitCode == 255, r.ToString());
        Assert.Contains("Permission denied", r.Stderr, StringComparison.Ordinal);
        Tool.Ok(Tool.Run(Tool.Hop, ["keygen", "-s", _dir["ca"], "-I", "expired", "-n", _sshd.User, "-V", "20200101:20200102", key + ".pub"]), "hop keygen -s");
        r = await HopCli.RunAsync(HopArgs(key));
        Assert.True(r.ExitCode == 255, r.ToString());
    }

    [Fact]
    public async Task OpenSshLogsInWithAHopMadeCertificate()
    {
        string key = NewKey("openssh", "ed25519");
        Tool.Ok(Tool.Run(Tool.Hop, ["keygen", "-s", _dir["rsaca"], "-I", "hop made for ssh", "-n", _sshd.User, "-V", "+1h", key + ".pub"]), "hop keygen -s");
        var args = new List<string>
        {
            "-F", "/dev/null", "-p", _sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", key,
            "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={_sshd.KnownHostsPath}",
            "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=10", "-l", _sshd.User, "127.0.0.1", "echo in",
        };
        var r = await ProcessRunner.RunAsync("/usr/bin/ssh", args, new Dictionary<string, string?> { ["SSH_AUTH_SOCK"] = null }, [], TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode == 0, r + _sshd.Log);
        Assert.Equal("in\n", r.Stdout);
        Assert.Contains("Accepted certificate ID \"hop made for ssh\"", _sshd.Log, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ed25519")]
    [InlineData("rsa")]
    public async Task CertificateHeldByOpenSshAgentLogsIn(string keyType)
    {
        string key = NewKey("agent-" + keyType, keyType);
        Tool.Ok(Tool.Run(Tool.Hop, ["keygen", "-s", _dir["ca"], "-I", "agent " + keyType, "-n", _sshd.User, key + ".pub"]), "hop keygen -s");
        await using var agent = await AgentProcess.StartAsync(false, _dir["agent-" + keyType + ".sock"]);
        // ssh-add adds the key and the KEY-cert.pub beside it.
        var add = await ProcessRunner.RunAsync("/usr/bin/ssh-add", [key], agent.Env);
        Assert.True(add.ExitCode == 0, add.ToString());
        Assert.Contains("Certificate added", add.Stderr, StringComparison.Ordinal);
        var args = new List<string>
        {
            "ssh", "-F", "/dev/null", "-p", _sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={_sshd.KnownHostsPath}", "-o", "StrictHostKeyChecking=yes",
            "-o", "IdentityFile=/nonexistent/key", "-l", _sshd.User, "127.0.0.1", "echo via-agent",
        };
        var r = await HopCli.RunAsync(args, agent.Env);
        Assert.True(r.ExitCode == 0, r + _sshd.Log);
        Assert.Contains($"Accepted certificate ID \"agent {keyType}\"", _sshd.Log, StringComparison.Ordinal);
    }
}
