using System.Globalization;
using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;
using Hop.Interop.Tests.Keys;

namespace Hop.Interop.Tests.Certificates;

/// <summary>
/// RevokedHostKeys beside OpenSSH's ssh, against an sshd with a plain ed25519 host key and a host
/// certificate for it (serial 42, key ID "web host"), both trusted by known_hosts: key revocation lists
/// made by ssh-keygen -k (keys, SHA1 and SHA256 hashes, certificate serials, ranges and key IDs, the
/// CA's key, a DSA key) and plain lists of public keys, each file tried with the plain key and the certificate.
/// </summary>
public class RevokedHostKeysTests : IAsyncLifetime
{
    private const string Plain = "ssh-ed25519";
    private const string Certificate = "ssh-ed25519-cert-v01@openssh.com";
    private readonly TempDir _dir = new();
    private SshdServer _sshd = null!;

    public async Task InitializeAsync()
    {
        Tool.Ok(Tool.SshKeygen("-q", "-N", "", "-t", "ed25519", "-C", "host ca", "-f", _dir["ca"]), "ssh-keygen");
        Tool.Ok(Tool.SshKeygen("-q", "-N", "", "-t", "ed25519", "-C", "another", "-f", _dir["other"]), "ssh-keygen");
        // A key of a type hop does not use, as old lists revoke them.
        Tool.Ok(Tool.SshKeygen("-q", "-N", "", "-t", "dsa", "-C", "old dsa", "-f", _dir["dsa"]), "ssh-keygen");
        File.Copy(Path.Combine(await TestKeys.DirectoryAsync(), "host_ed25519.pub"), _dir["host.pub"]);
        Tool.Ok(Tool.SshKeygen("-q", "-s", _dir["ca"], "-I", "web host", "-z", "42", "-h", "-n", "127.0.0.1", _dir["host.pub"]), "ssh-keygen -s");
        _sshd = await SshdServer.StartAsync([$"HostCertificate {_dir["host-cert.pub"]}"], hostKeys: ["ed25519"]);
        File.WriteAllLines(_dir["known_hosts"],
            [$"@cert-authority * {File.ReadAllText(_dir["ca.pub"]).Trim()}", File.ReadAllLines(_sshd.KnownHostsPath)[0]]);
    }

    public async Task DisposeAsync()
    {
        await _sshd.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>A KRL from ssh-keygen -k of a spec file's lines, with the CA for serial: and id: lines.</summary>
    private string Krl(string name, params string[] spec)
    {
        File.WriteAllLines(_dir[name + ".spec"], spec);
        Tool.Ok(Tool.SshKeygen("-q", "-k", "-f", _dir[name], "-s", _dir["ca.pub"], _dir[name + ".spec"]), "ssh-keygen -k");
        return _dir[name];
    }

    private string Text(string name, params string[] lines)
    {
        File.WriteAllLines(_dir[name], lines);
        return _dir[name];
    }

    private async Task<(bool In, string Said)> ConnectAsync(string program, string revoked, string algorithm)
    {
        string[] options =
        [
            "-F", "/dev/null", "-p", _sshd.Port.ToString(CultureInfo.InvariantCulture), "-i", await TestKeys.UserKeyAsync(),
            "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={_dir["known_hosts"]}",
            "-o", "GlobalKnownHostsFile=/dev/null", "-o", $"HostKeyAlgorithms={algorithm}", "-o", $"RevokedHostKeys={revoked}",
            "-l", _sshd.User, "127.0.0.1", "echo in",
        ];
        var r = program == "hop"
            ? await HopCli.RunAsync(["ssh", .. options])
            : await ProcessRunner.RunAsync("/usr/bin/ssh", options, HopCli.IsolatedEnvironment(), [], TimeSpan.FromSeconds(30));
        string said = r.Stderr.Split('\n').Select(l => l.TrimEnd('\r'))
            .FirstOrDefault(l => l.StartsWith("Host key ", StringComparison.Ordinal) || l.StartsWith("Error checking host key", StringComparison.Ordinal)) ?? "";
        return (r.ExitCode == 0 && r.Stdout == "in\n", said);
    }

    [Fact]
    public async Task EachFileRefusesWhatSshRefusesInTheSameWords()
    {
        string hostKey = File.ReadAllText(_dir["host.pub"]).Trim();
        string otherKey = File.ReadAllText(_dir["other.pub"]).Trim();
        string dsaKey = File.ReadAllText(_dir["dsa.pub"]).Trim();
        var cases = new (string File, bool PlainIn, bool CertificateIn)[]
        {
            (Krl("krl-key", $"key: {hostKey}"), false, false),
            (Krl("krl-sha1", $"sha1: {hostKey}"), false, false),
            (Krl("krl-sha256", $"sha256: {hostKey}"), false, false),
            (Krl("krl-serial", "serial: 42"), true, false),
            (Krl("krl-range", "serial: 40-45", "serial: 100"), true, false),
            (Krl("krl-bitmap", "serial: 1", "serial: 3", "serial: 42", "serial: 50"), true, false),
            (Krl("krl-id", "id: web host"), true, false),
            (Krl("krl-ca", $"key: {File.ReadAllText(_dir["ca.pub"]).Trim()}"), true, false),
            (Krl("krl-elsewhere", "serial: 43", "id: db host", $"key: {otherKey}"), true, true),
            (Text("list", "# revoked", "", otherKey, hostKey), false, false),
            (Text("list-other", otherKey), true, true),
            (Text("list-bad", otherKey, "not a key"), false, false),
            (Krl("krl-dsa", $"key: {dsaKey}"), true, true),
            (Text("list-dsa", dsaKey), true, true),
            (Text("list-dsa-host", dsaKey, hostKey), false, false),
            (_dir["missing"], false, false),
        };
        foreach (var (file, plainIn, certificateIn) in cases)
        {
            foreach (var (algorithm, expected) in new[] { (Plain, plainIn), (Certificate, certificateIn) })
            {
                var ssh = await ConnectAsync("ssh", file, algorithm);
                var hop = await ConnectAsync("hop", file, algorithm);
                string what = $"{Path.GetFileName(file)} with {algorithm}";
                Assert.True(ssh.In == expected, $"{what}: ssh {(ssh.In ? "got in" : "was refused")}: {ssh.Said}");
                Assert.True(hop.In == expected, $"{what}: hop {(hop.In ? "got in" : "was refused")}: {hop.Said}");
                Assert.Equal(ssh.Said, hop.Said);
            }
        }
    }
}
