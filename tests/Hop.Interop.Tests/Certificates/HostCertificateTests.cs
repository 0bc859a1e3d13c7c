using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;
using Hop.Interop.Tests.Keys;

namespace Hop.Interop.Tests.Certificates;

/// <summary>
/// Host certificates against a real sshd (HostCertificate) and known_hosts files holding only @cert-authority lines.
/// One sshd serves a certificate per host key type, each picked with HostKeyAlgorithms:
/// ed25519 (ssh-keygen -s -h, good), ecdsa521 (hop keygen -s -h, good), ecdsa256 (wrong principal),
/// ecdsa384 (expired), rsa (good, signed by a second, RSA, CA).
/// </summary>
public class HostCertificateTests : IClassFixture<HostCertificateTests.Server>
{
    /// <summary>The CA keys, the certificates and the sshd, made once for the class.</summary>
    public sealed class Server : IAsyncLifetime
    {
        public SshdServer Sshd { get; private set; } = null!;
        internal TempDir Dir { get; } = new();

        public async Task InitializeAsync()
        {
            Tool.Ok(Tool.SshKeygen("-q", "-N", "", "-t", "ed25519", "-C", "host ca", "-f", Dir["ca"]), "ssh-keygen");
            Tool.Ok(Tool.SshKeygen("-q", "-N", "", "-t", "rsa", "-b", "2048", "-C", "rsa host ca", "-f", Dir["rsaca"]), "ssh-keygen");
            string keys = await TestKeys.DirectoryAsync();
            var cfg = new List<string>();
            foreach (var (type, signer, ca, args) in new (string, string, string, string[])[]
            {
                ("ed25519", "ssh-keygen", "ca", ["-n", "127.0.0.1,myalias"]),
                ("ecdsa521", "hop", "ca", ["-n", "127.0.0.1,myalias", "-V", "-1h:+1h"]),
                ("ecdsa256", "hop", "ca", ["-n", "somewhere.else"]),
                ("ecdsa384", "hop", "ca", ["-n", "127.0.0.1", "-V", "20200101:20200201"]),
                ("rsa", "hop", "rsaca", ["-n", "127.0.0.1"]),
            })
            {
                File.Copy(Path.Combine(keys, $"host_{type}.pub"), Dir[$"host_{type}.pub"]);
                var r = Tool.Run(signer == "hop" ? Tool.Hop : "/usr/bin/ssh-keygen",
                    [.. signer == "hop" ? new[] { "keygen" } : [], "-s", Dir[ca], "-I", $"host {type}", "-h", .. args, Dir[$"host_{type}.pub"]]);
                Assert.True(r.ExitCode == 0, r.Stderr);
                cfg.Add($"HostCertificate {Dir[$"host_{type}-cert.pub"]}");
            }
            Sshd = await SshdServer.StartAsync(cfg);
        }

        public async Task DisposeAsync()
        {
            await Sshd.DisposeAsync();
            Dir.Dispose();
        }
    }

    private readonly SshdServer _sshd;
    private readonly TempDir _dir;

    public HostCertificateTests(Server server)
    {
        _sshd = server.Sshd;
        _dir = server.Dir;
    }

    private string KnownHosts(string name, params string[] lines)
    {
        File.WriteAllLines(_dir[name], lines);
        return _dir[name];
    }

    private string CaLine(string hosts, string ca = "ca") => $"@cert-authority {hosts} {File.ReadAllText(_dir[ca + ".pub"]).Trim()}";

    private Task<ProcessResult> HopAsync(string knownHosts, params string[] extra) => HopAsync(_sshd.Port, knownHosts, extra);

    private async Task<ProcessResult> HopAsync(int port, string knownHosts, params string[] extra)
    {
        var args = new List<string>
        {
            "ssh", "-F", "/dev/null", "-v", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-i", await TestKeys.UserKeyAsync(), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
            "-o", $"UserKnownHostsFile={knownHosts}", "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=10",
        };
        args.AddRange(extra);
        args.AddRange(["-l", _sshd.User, "127.0.0.1", "echo in"]);
        return await HopCli.RunAsync(args);
    }

    [Theory]
    [InlineData("ssh-ed25519-cert-v01@openssh.com", "ED25519-CERT")]
    [InlineData("ecdsa-sha2-nistp521-cert-v01@openssh.com", "ECDSA-CERT")]
    public async Task CertificateFromATrustedCaIsAcceptedWithoutAKnownHostsLine(string algorithm, string label)
    {
        string kh = KnownHosts("kh_ok_" + label, CaLine($"[127.0.0.1]:{_sshd.Port}"));
        var r = await HopAsync(kh, "-o", $"HostKeyAlgorithms={algorithm}");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("in\n", r.Stdout);
        Assert.Contains($"matches the {label} host certificate", r.Stderr, StringComparison.Ordinal);
        // Nothing was learnt: the CA line stays the only line.
        Assert.Single(File.ReadAllLines(kh));
    }

    [Fact]
    public async Task RsaCertificateUsesRsaSha2CertAlgorithm()
    {
        string kh = KnownHosts("kh_rsa", CaLine("*", "rsaca"));
        var r = await HopAsync(kh, "-o", "HostKeyAlgorithms=rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("host key algorithm: rsa-sha2-512-cert-v01@openssh.com", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DefaultAlgorithmsPutCertificatesFirstOnlyWhenACaLineMatches()
    {
        var withCa = await HopAsync(KnownHosts("kh_default_ca", CaLine("127.0.0.1,[127.0.0.1]:*")));
        Assert.True(withCa.ExitCode == 0, withCa.ToString());
        Assert.Contains("host key algorithm: ssh-ed25519-cert-v01@openssh.com", withCa.Stderr, StringComparison.Ordinal);
        // A CA line for other hosts only: the plain key is negotiated and checked as usual.
        var other = await HopAsync(KnownHosts("kh_default_other", CaLine("*.example.org"), File.ReadAllLines(_sshd.KnownHostsPath)[0]));
        Assert.True(other.ExitCode == 0, other.ToString());
        Assert.DoesNotContain("cert-v01", other.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostKeyAliasIsThePrincipal()
    {
        var r = await HopAsync(KnownHosts("kh_alias", CaLine("myalias")), "-o", "HostKeyAlias=myalias", "-o", "HostKeyAlgorithms=ssh-ed25519-cert-v01@openssh.com");
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    [Theory]
    [InlineData("ecdsa-sha2-nistp256-cert-v01@openssh.com", "Certificate invalid: name is not a listed principal")]
    [InlineData("ecdsa-sha2-nistp384-cert-v01@openssh.com", "Certificate invalid: expired")]
    public async Task BadCertificateIsRefused(string algorithm, string reason)
    {
        var r = await HopAsync(KnownHosts("kh_bad" + algorithm[16..19], CaLine("*")), "-o", $"HostKeyAlgorithms={algorithm}");
        Assert.Equal(255, r.ExitCode);
        Assert.Contains(reason, r.Stderr, StringComparison.Ordinal);
        Assert.Contains("Host key verification failed.", r.Stderr, StringComparison.Ordinal);
    }

    /// <summary>An sshd serving the test host's ed25519 key with a certificate ssh-keygen signs with <paramref name="ca"/> and <paramref name="signOptions"/>.</summary>
    private async Task<SshdServer> CertifiedSshdAsync(string name, string ca, params string[] signOptions)
    {
        File.Copy(Path.Combine(await TestKeys.DirectoryAsync(), "host_ed25519.pub"), _dir[$"{name}_ed25519.pub"], overwrite: true);
        Tool.Ok(Tool.SshKeygen(["-q", "-s", _dir[ca], "-I", $"host {name}", "-h", "-n", "127.0.0.1", .. signOptions, _dir[$"{name}_ed25519.pub"]]), "ssh-keygen");
        return await SshdServer.StartAsync([$"HostCertificate {_dir[$"{name}_ed25519-cert.pub"]}"], hostKeys: ["ed25519"]);
    }

    /// <summary>OpenSSH's ssh running "echo in" on <paramref name="sshd"/> with only <paramref name="knownHosts"/> to trust.</summary>
    private static async Task<ProcessResult> OpenSshAsync(SshdServer sshd, string knownHosts, params string[] options)
    {
        var args = await sshd.OpenSshArgsAsync();
        args.InsertRange(0, ["-o", $"UserKnownHostsFile={knownHosts}", "-o", "GlobalKnownHostsFile=/dev/null", .. options]);
        args.Add("echo in");
        return await ProcessRunner.RunAsync("/usr/bin/ssh", args, new Dictionary<string, string?> { ["SSH_AUTH_SOCK"] = null }, [], TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// Host certificates may carry no critical option, yet ssh-keygen -s -h -O force-command=... makes one that sshd serves.
    /// Trusted only through @cert-authority, ssh refuses it (sshkey_cert_check_host) and falls back to the plain key, which
    /// is unknown: verification fails. With the plain key on file as well, both go on. hop ssh must do the same, in the same words.
    /// </summary>
    [Fact]
    public async Task CertificateWithACriticalOptionIsRefusedAsSshRefusesIt()
    {
        await using var sshd = await CertifiedSshdAsync("critical", "ca", "-O", "force-command=/bin/true");
        Assert.Contains("force-command /bin/true", Tool.SshKeygen("-L", "-f", _dir["critical_ed25519-cert.pub"]).Stdout, StringComparison.Ordinal);
        const string Algorithm = "HostKeyAlgorithms=ssh-ed25519-cert-v01@openssh.com";
        const string Reason = "Certificate contains unsupported critical options";
        string unknown = $"No ED25519 host key is known for [127.0.0.1]:{sshd.Port} and you have requested strict checking.";

        string caOnly = KnownHosts("kh_critical", CaLine($"[127.0.0.1]:{sshd.Port}"));
        var ssh = await OpenSshAsync(sshd, caOnly, "-o", Algorithm);
        Assert.Equal(255, ssh.ExitCode);
        Assert.Contains(Reason, ssh.Stderr, StringComparison.Ordinal);
        Assert.Contains(unknown, ssh.Stderr, StringComparison.Ordinal);
        Assert.Contains("Host key verification failed.", ssh.Stderr, StringComparison.Ordinal);
        var hop = await HopAsync(sshd.Port, caOnly, "-o", Algorithm);
        Assert.Equal(255, hop.ExitCode);
        Assert.Equal("", hop.Stdout);
        Assert.Contains(Reason, hop.Stderr, StringComparison.Ordinal);
        Assert.Contains(unknown, hop.Stderr, StringComparison.Ordinal);
        Assert.Contains("Host key verification failed.", hop.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("matches the ED25519-CERT host certificate", hop.Stderr, StringComparison.Ordinal);

        // The plain key on file too: the certificate is still refused, and the plain key lets both in.
        string withKey = KnownHosts("kh_critical_key", CaLine($"[127.0.0.1]:{sshd.Port}"), File.ReadAllLines(sshd.KnownHostsPath)[0]);
        var sshIn = await OpenSshAsync(sshd, withKey, "-o", Algorithm);
        Assert.True(sshIn.ExitCode == 0, sshIn.ToString());
        Assert.Contains(Reason, sshIn.Stderr, StringComparison.Ordinal);
        var hopIn = await HopAsync(sshd.Port, withKey, "-o", Algorithm);
        Assert.True(hopIn.ExitCode == 0, hopIn.ToString());
        Assert.Equal("in\n", hopIn.Stdout);
        Assert.Contains(Reason, hopIn.Stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// CASignatureAlgorithms: a host certificate whose CA signed with ssh-rsa (SHA-1) is refused by default, as ssh
    /// refuses it ("Certificate signed with disallowed algorithm", then the plain key, unknown here), and accepted once
    /// the list allows ssh-rsa; an rsa-sha2-512 signature is refused by a list without it. Side by side with ssh.
    /// </summary>
    [Fact]
    public async Task CaSignatureAlgorithmsDecidesWhichCaSignaturesVouchAsInSsh()
    {
        await using var sshd = await CertifiedSshdAsync("sha1", "rsaca", "-t", "ssh-rsa");
        Assert.Contains("(using ssh-rsa)", Tool.SshKeygen("-L", "-f", _dir["sha1_ed25519-cert.pub"]).Stdout, StringComparison.Ordinal);
        const string Algorithm = "HostKeyAlgorithms=ssh-ed25519-cert-v01@openssh.com";
        const string Reason = "Certificate signed with disallowed algorithm";
        string caOnly = KnownHosts("kh_casig", CaLine($"[127.0.0.1]:{sshd.Port}", "rsaca"));

        foreach (var (option, accepted) in new[] { ("", false), ("CASignatureAlgorithms=+ssh-rsa", true), ("CASignatureAlgorithms=ssh-rsa,ssh-ed25519", true),
            ("CASignatureAlgorithms=rsa-sha2-512", false) })
        {
            string[] extra = option == "" ? [] : ["-o", option];
            var ssh = await OpenSshAsync(sshd, caOnly, ["-o", Algorithm, .. extra]);
            var hop = await HopAsync(sshd.Port, caOnly, ["-o", Algorithm, .. extra]);
            foreach (var (who, r) in new[] { ("ssh", ssh), ("hop", hop) })
            {
                if (accepted)
                {
                    Assert.True(r.ExitCode == 0, $"{who} {option}: {r}");
                    Assert.Equal("in\n", r.Stdout);
                    Assert.DoesNotContain(Reason, r.Stderr, StringComparison.Ordinal);
                }
                else
                {
                    Assert.True(r.ExitCode == 255, $"{who} {option}: {r}");
                    Assert.Contains(Reason, r.Stderr, StringComparison.Ordinal);
                    Assert.Contains("Host key verification failed.", r.Stderr, StringComparison.Ordinal);
                }
            }
        }

        // An rsa-sha2-512 signature (the class's RSA certificate): in by default, out when the list leaves it out.
        string rsaCa = KnownHosts("kh_casig_rsa", CaLine("*", "rsaca"));
        const string RsaCert = "HostKeyAlgorithms=rsa-sha2-512-cert-v01@openssh.com";
        Assert.Equal(0, (await HopAsync(rsaCa, "-o", RsaCert)).ExitCode);
        var refused = await HopAsync(rsaCa, "-o", RsaCert, "-o", "CASignatureAlgorithms=-rsa-sha2-512");
        Assert.Equal(255, refused.ExitCode);
        Assert.Contains(Reason, refused.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CaLineForAnotherHostDoesNotVouch()
    {
        var r = await HopAsync(KnownHosts("kh_elsewhere", CaLine("other.example")), "-o", "HostKeyAlgorithms=ssh-ed25519-cert-v01@openssh.com");
        Assert.Equal(255, r.ExitCode);
        Assert.Contains("Host key verification failed.", r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rsaca")]
    [InlineData("host")]
    public async Task RevokedCaOrKeyIsRefused(string revoked)
    {
        string keys = await TestKeys.DirectoryAsync();
        string revokedKey = revoked == "host" ? File.ReadAllText(Path.Combine(keys, "host_rsa.pub")).Trim() : File.ReadAllText(_dir["rsaca.pub"]).Trim();
        var r = await HopAsync(KnownHosts("kh_revoked_" + revoked, CaLine("*", "rsaca"), "@revoked * " + revokedKey),
            "-o", "HostKeyAlgorithms=rsa-sha2-512-cert-v01@openssh.com");
        Assert.Equal(255, r.ExitCode);
        Assert.Contains("REVOKED HOST KEY DETECTED", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenSshAcceptsAHopMadeHostCertificate()
    {
        string kh = KnownHosts("kh_openssh", CaLine($"[127.0.0.1]:{_sshd.Port}"));
        var args = new List<string>
        {
            "-F", "/dev/null", "-p", _sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", await TestKeys.UserKeyAsync(),
            "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={kh}", "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=yes", "-o", "HostKeyAlgorithms=ecdsa-sha2-nistp521-cert-v01@openssh.com",
            "-o", "ConnectTimeout=10", "-l", _sshd.User, "127.0.0.1", "echo in",
        };
        var r = await ProcessRunner.RunAsync("/usr/bin/ssh", args, new Dictionary<string, string?> { ["SSH_AUTH_SOCK"] = null }, [], TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("in\n", r.Stdout);
    }

    [Fact]
    public async Task QueryListsCertificateAlgorithmsAsSsh()
    {
        var cert = await HopCli.RunAsync(["ssh", "-Q", "key-cert"]);
        Assert.Equal(0, cert.ExitCode);
        Assert.Contains("ssh-ed25519-cert-v01@openssh.com", cert.Stdout.Split('\n'));
        Assert.Contains("rsa-sha2-512-cert-v01@openssh.com", cert.Stdout.Split('\n'));
        Assert.All(cert.Stdout.Trim().Split('\n'), n => Assert.EndsWith("-cert-v01@openssh.com", n, StringComparison.Ordinal));
        var plain = await HopCli.RunAsync(["ssh", "-Q", "key-plain"]);
        Assert.DoesNotContain("cert", plain.Stdout, StringComparison.Ordinal);
        Assert.Contains("ssh-ed25519", plain.Stdout.Split('\n'));
    }
}
