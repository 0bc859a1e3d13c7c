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
        Assert.Contains("UpdateHostkeys is disabled because the host key is not trusted.", changed.Stderr, StringComparison.Ordinal);
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

    private static string[] Keys(string knownHosts) =>
        File.ReadAllLines(knownHosts).Select(l => string.Join(' ', l.Split(' ')[1..3])).Order(StringComparer.Ordinal).ToArray();

    /// <summary>A host first met with accept-new is not "explicitly trusted": ssh and hop both learn only the key it used.</summary>
    [Fact]
    public async Task FirstContactWithAcceptNewLearnsOnlyTheKeyUsedAsSshDoes()
    {
        await using var sshd = await SshdServer.StartAsync(hostKeys: ThreeKeys);
        string dir = TestPaths.NewTempDir("hop-uhk-");
        string sshKh = Path.Combine(dir, "ssh"), hopKh = Path.Combine(dir, "hop");
        // ssh handles the proof only while the session lasts: give it a second.
        var ssh = Peer.Run("/usr/bin/ssh", [.. Args(sshd, sshKh, await TestKeys.UserKeyAsync(), "UpdateHostKeys=yes", "StrictHostKeyChecking=accept-new").Skip(1).SkipLast(1), "sleep 1"]);
        Assert.True(ssh.ExitCode == 0, ssh.ToString());
        var hop = await HopCli.RunAsync(Args(sshd, hopKh, await TestKeys.UserKeyAsync(), "UpdateHostKeys=yes", "StrictHostKeyChecking=accept-new"));
        Assert.True(hop.ExitCode == 0, hop.ToString());
        Assert.Single(Keys(sshKh));
        Assert.Equal(Keys(sshKh), Keys(hopKh));
        Assert.Contains("hostkey not known or explicitly trusted: disabling UpdateHostkeys", hop.Stderr, StringComparison.Ordinal);
    }

    /// <summary>UpdateHostKeys=ask: the same question as ssh; "no" leaves the file, "yes" updates it.</summary>
    [Fact]
    public async Task AskModeAsksAsSshDoes()
    {
        await using var sshd = await SshdServer.StartAsync(hostKeys: ["ed25519", "ecdsa256"]);
        string dir = TestPaths.NewTempDir("hop-uhk-");
        string start = await HostLineAsync(sshd, "ed25519") + "\n";
        string Askpass(string name, string answer)
        {
            string script = Path.Combine(dir, name);
            File.WriteAllText(script, $"#!/bin/sh\nprintf '%s' \"$1\" > '{script}.prompt'\necho {answer}\n");
            File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
            return script;
        }
        foreach (var answer in new[] { "no", "yes" })
        {
            string sshKh = Path.Combine(dir, "ssh-" + answer), hopKh = Path.Combine(dir, "hop-" + answer);
            await File.WriteAllTextAsync(sshKh, start);
            await File.WriteAllTextAsync(hopKh, start);
            var sshArgs = Args(sshd, sshKh, await TestKeys.UserKeyAsync(), "UpdateHostKeys=ask").Skip(1).Where(a => a != "BatchMode=yes").ToList();
            sshArgs.RemoveAt(sshArgs.IndexOf("IdentitiesOnly=yes") + 1);
            // ssh asks only for a shell, not with a remote command: the shell reads its command from stdin.
            sshArgs.RemoveAt(sshArgs.Count - 1);
            var ssh = Peer.Run("/usr/bin/ssh", sshArgs, stdin: "sleep 1\n",
                environment: new() { ["SSH_ASKPASS"] = Askpass("ssh-ask-" + answer, answer), ["SSH_ASKPASS_REQUIRE"] = "force" });
            Assert.True(ssh.ExitCode == 0, ssh.ToString());
            var hopArgs = Args(sshd, hopKh, await TestKeys.UserKeyAsync(), "UpdateHostKeys=ask").Where(a => a != "BatchMode=yes").ToList();
            hopArgs.RemoveAt(hopArgs.IndexOf("IdentitiesOnly=yes") + 1);
            hopArgs.RemoveAt(hopArgs.Count - 1);
            var hop = await HopCli.RunAsync(hopArgs, new Dictionary<string, string?> { ["SSH_ASKPASS"] = Askpass("hop-ask-" + answer, answer), ["SSH_ASKPASS_REQUIRE"] = "force" },
                stdin: "sleep 1\n"u8.ToArray());
            Assert.True(hop.ExitCode == 0, hop.ToString());
            Assert.Equal("Accept updated hostkeys? (yes/no): ", await File.ReadAllTextAsync(Path.Combine(dir, "ssh-ask-" + answer + ".prompt")));
            Assert.Equal("Accept updated hostkeys? (yes/no): ", await File.ReadAllTextAsync(Path.Combine(dir, "hop-ask-" + answer + ".prompt")));
            Assert.Contains("The server has updated its host keys.", hop.Stderr, StringComparison.Ordinal);
            Assert.Equal(Keys(sshKh), Keys(hopKh));
            Assert.Equal(answer == "yes" ? 2 : 1, Keys(hopKh).Length);
        }

        // With a remote command ssh cannot ask, so it leaves known_hosts alone; so does hop.
        string withCommand = Path.Combine(dir, "hop-command");
        await File.WriteAllTextAsync(withCommand, start);
        var command = await HopCli.RunAsync(Args(sshd, withCommand, await TestKeys.UserKeyAsync(), "UpdateHostKeys=ask"));
        Assert.True(command.ExitCode == 0, command.ToString());
        Assert.Contains("UpdateHostKeys=ask is incompatible with remote command execution; disabling", command.Stderr, StringComparison.Ordinal);
        Assert.Equal(start, await File.ReadAllTextAsync(withCommand));
    }
}
