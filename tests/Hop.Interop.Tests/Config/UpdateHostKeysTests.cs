using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Config;

/// <summary>
/// UpdateHostKeys against OpenSSH's sshd with several HostKey files: `hop ssh` learns the keys it did not know after the
/// server proves them (and OpenSSH's tools read the result), drops a key the server no longer offers, and changes
/// nothing when the host key itself was not trusted.
/// </summary>
public sealed class UpdateHostKeysTests
{
    private static readonly string[] ThreeKeys = ["ed25519", "ecdsa256", "rsa"];

    private static async Task<string> HostLineAsync(SshdServer sshd, string type)
    {
        var pub = (await File.ReadAllTextAsync(Path.Combine(await TestKeys.DirectoryAsync(), $"host_{type}.pub"))).Trim().Split(' ');
        return $"[127.0.0.1]:{sshd.Port} {pub[0]} {pub[1]}";
    }

    private static string Fingerprint(string pubFile) =>
        Peer.Keygen("-l", "-f", pubFile).Stdout.Split(' ')[1];

    private static List<string> Args(SshdServer sshd, string knownHosts, string key, params string[] extra)
        => ArgsWithGlobal(sshd, knownHosts, "/dev/null", key, extra);

    private static List<string> ArgsWithGlobal(SshdServer sshd, string knownHosts, string global, string key, params string[] extra)
    {
        var args = new List<string>
        {
            "ssh", "-v", "-F", "/dev/null", "-p", sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-i", key, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={knownHosts}",
            "-o", $"GlobalKnownHostsFile={global}", "-o", "ConnectTimeout=10",
        };
        foreach (var e in extra) args.AddRange(["-o", e]);
        args.AddRange(["-l", sshd.User, "127.0.0.1", "true"]);
        return args;
    }

    private static string[] Lookup(string knownHosts, int port) =>
        Peer.Keygen("-F", $"[127.0.0.1]:{port}", "-f", knownHosts).Stdout
            .Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();

    [Fact]
    public async Task LearnsTheOtherKeysAfterProof()
    {
        await using var sshd = await SshdServer.StartAsync(hostKeys: ThreeKeys);
        string dir = TestPaths.NewTempDir("hop-uhk-");
        string kh = Path.Combine(dir, "known_hosts");
        await File.WriteAllTextAsync(kh, await HostLineAsync(sshd, "ed25519") + "\n");
        var r = await HopCli.RunAsync(Args(sshd, kh, await TestKeys.UserKeyAsync(), "UpdateHostKeys=yes", "StrictHostKeyChecking=yes"));
        Assert.True(r.ExitCode == 0, r.ToString());
        string keys = await TestKeys.DirectoryAsync();
        Assert.Contains($"Learned new hostkey: ECDSA {Fingerprint(Path.Combine(keys, "host_ecdsa256.pub"))}", r.Stderr, StringComparison.Ordinal);
        Assert.Contains($"Learned new hostkey: RSA {Fingerprint(Path.Combine(keys, "host_rsa.pub"))}", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(3, Lookup(kh, sshd.Port).Length);
        Assert.True(File.Exists(kh + ".old"));

        // OpenSSH's ssh now trusts the server under each learned key alone.
        foreach (var alg in new[] { "ecdsa-sha2-nistp256", "rsa-sha2-512" })
        {
            var ssh = Peer.Run("/usr/bin/ssh", ["-F", "/dev/null", "-p", sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-i", await TestKeys.UserKeyAsync(), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={kh}",
                "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes", "-o", "UpdateHostKeys=no", "-o", $"HostKeyAlgorithms={alg}",
                "-l", sshd.User, "127.0.0.1", "true"]);
            Assert.True(ssh.ExitCode == 0, $"{alg}: {ssh}");
        }

        // A second connection finds nothing new.
        var again = await HopCli.RunAsync(Args(sshd, kh, await TestKeys.UserKeyAsync(), "UpdateHostKeys=yes", "StrictHostKeyChecking=yes"));
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.DoesNotContain("Learned new hostkey", again.Stderr, StringComparison.Ordinal);
        Assert.Contains("no new or deprecated keys from server", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HashedKnownHostsLearnHashedLines()
    {
        await using var sshd = await SshdServer.StartAsync(hostKeys: ["ed25519", "ecdsa256"]);
        string dir = TestPaths.NewTempDir("hop-uhk-");
        string kh = Path.Combine(dir, "known_hosts");
        await File.WriteAllTextAsync(kh, await HostLineAsync(sshd, "ed25519") + "\n");
        var r = await HopCli.RunAsync(Args(sshd, kh, await TestKeys.UserKeyAsync(), "UpdateHostKeys=yes", "HashKnownHosts=yes"));
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = await File.ReadAllLinesAsync(kh);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("|1|", lines[1], StringComparison.Ordinal);
        Assert.Equal(2, Lookup(kh, sshd.Port).Length);
    }

    [Fact]
    public async Task RotatedKeyIsRemoved()
    {
        await using var sshd = await SshdServer.StartAsync(hostKeys: ["ed25519", "ecdsa256"]);
        string dir = TestPaths.NewTempDir("hop-uhk-");
        string kh = Path.Combine(dir, "known_hosts");
        string rsaLine = await HostLineAsync(sshd, "rsa");
        await File.WriteAllLinesAsync(kh, [await HostLineAsync(sshd, "ed25519"), rsaLine, await HostLineAsync(sshd, "ecdsa256")]);
        var r = await HopCli.RunAsync(Args(sshd, kh, await TestKeys.UserKeyAsync(), "UpdateHostKeys=yes"));
        Assert.True(r.ExitCode == 0, r.ToString());
        string keys = await TestKeys.DirectoryAsync();
        Assert.Contains($"Deprecating obsolete hostkey: RSA {Fingerprint(Path.Combine(keys, "host_rsa.pub"))}", r.Stderr, StringComparison.Ordinal);
        var left = Lookup(kh, sshd.Port);
        Assert.Equal(2, left.Length);
        Assert.DoesNotContain(left, l => l.Contains(rsaLine.Split(' ')[2], StringComparison.Ordinal));
    }

    [Fact]
    public async Task NothingChangesWhenOffOrWhenTheHostKeyWasNotTrusted()
    {
        await using var sshd = await SshdServer.StartAsync(hostKeys: ThreeKeys);
        string dir = TestPaths.NewTempDir("hop-uhk-");
        string kh = Path.Combine(dir, "known_hosts");
        string start = await HostLineAsync(sshd, "ed25519") + "\n";
        await File.WriteAllTextAsync(kh, start);
        var off = await HopCli.RunAsync(Args(sshd, kh, await TestKeys.UserKeyAsync(), "UpdateHostKeys=no"));
        Assert.True(off.ExitCode == 0, off.ToString());
        Assert.Equal(start, await File.ReadAllTextAsync(kh));

        // A changed key let through by StrictHostKeyChecking=no is not trusted: nothing learned, nothing removed.
        string wrong = $"[127.0.0.1]:{sshd.Port} {(await File.ReadAllTextAsync(await TestKeys.UserKeyAsync() + ".pub")).Trim().Split(' ')[0]} {(await File.ReadAllTextAsync(await TestKeys.UserKeyAsync() + ".pub")).Trim().Split(' ')[1]}\n";
        await File.WriteAllTextAsync(kh, wrong);
        var changed = await HopCli.RunAsync(Args(sshd, kh, await TestKeys.UserKeyAsync(), "UpdateHostKeys=yes", "StrictHostKeyChecking=no"));
        Assert.True(changed.ExitCode == 0, changed.ToString());
        Assert.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", changed.Stderr, StringComparison.Ordinal);
        Assert.Contains("disabling UpdateHostkeys", changed.Stderr, StringComparison.Ordinal);
        Assert.Equal(wrong, await File.ReadAllTextAsync(kh));

        // Found only in GlobalKnownHostsFile: the user's file is not touched.
        string global = Path.Combine(dir, "global");
        await File.WriteAllTextAsync(global, start);
        await File.WriteAllTextAsync(kh, "");
        var args = ArgsWithGlobal(sshd, kh, global, await TestKeys.UserKeyAsync(), "UpdateHostKeys=yes", "StrictHostKeyChecking=yes");
        var viaGlobal = await HopCli.RunAsync(args);
        Assert.True(viaGlobal.ExitCode == 0, viaGlobal.ToString());
        Assert.Equal("", await File.ReadAllTextAsync(kh));
    }
}
