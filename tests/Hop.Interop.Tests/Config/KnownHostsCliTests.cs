using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Config;

/// <summary>
/// `hop ssh` and known_hosts, each case run with /usr/bin/ssh too against the same sshd: hashed new lines, HostKeyAlias,
/// several files, a revoked key, the changed-key warning, the yes/no/fingerprint question, and unsupported keywords.
/// </summary>
public sealed class KnownHostsCliTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;
    private string _dir = null!;
    private string[] _hostKey = null!;

    public async Task InitializeAsync()
    {
        _sshd = await SshdServer.StartAsync(hostKeys: ["ed25519"]);
        _dir = TestPaths.NewTempDir("hop-khcli-");
        _hostKey = (await File.ReadAllTextAsync(Path.Combine(await TestKeys.DirectoryAsync(), "host_ed25519.pub"))).Trim().Split(' ');
    }

    public async Task DisposeAsync() => await _sshd.DisposeAsync();

    private string Name => $"[127.0.0.1]:{_sshd.Port}";

    private async Task<List<string>> ArgsAsync(string userFiles, params string[] options)
    {
        var args = new List<string>
        {
            "-F", "/dev/null", "-p", _sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-i", await TestKeys.UserKeyAsync(), "-o", "IdentitiesOnly=yes", "-o", $"UserKnownHostsFile={userFiles}",
            "-o", "GlobalKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10", "-o", "UpdateHostKeys=no",
        };
        foreach (var o in options) args.AddRange(["-o", o]);
        args.AddRange(["-l", _sshd.User, "127.0.0.1", "echo ran"]);
        return args;
    }

    private Task<ProcessResult> HopAsync(List<string> args, Dictionary<string, string?>? env = null) => HopCli.RunAsync(["ssh", .. args], env);

    private static string Clean(string s) => s.Replace("\r", "", StringComparison.Ordinal);

    [Fact]
    public async Task HashKnownHostsWritesHashedLinesBothToolsRead()
    {
        string kh = Path.Combine(_dir, "hashed");
        var hop = await HopAsync(await ArgsAsync(kh, "StrictHostKeyChecking=accept-new", "HashKnownHosts=yes", "BatchMode=yes"));
        Assert.True(hop.ExitCode == 0, hop.ToString());
        string line = (await File.ReadAllTextAsync(kh)).Trim();
        Assert.StartsWith("|1|", line, StringComparison.Ordinal);
        Assert.EndsWith($" {_hostKey[0]} {_hostKey[1]}", line, StringComparison.Ordinal);
        Assert.Contains(Name, Peer.Keygen("-F", Name, "-f", kh).Stdout, StringComparison.Ordinal);
        var ssh = Peer.Run("/usr/bin/ssh", await ArgsAsync(kh, "StrictHostKeyChecking=yes", "BatchMode=yes"));
        Assert.True(ssh.ExitCode == 0, ssh.ToString());
    }

    /// <summary>The other way round: a hashed line that ssh itself wrote for [127.0.0.1]:PORT is read by hop ssh and hop keygen -F.</summary>
    [Fact]
    public async Task HashedLineWrittenBySshIsReadByHopSshAndFoundByHopKeygen()
    {
        string kh = Path.Combine(_dir, "hashed-by-ssh");
        var ssh = Peer.Run("/usr/bin/ssh", await ArgsAsync(kh, "StrictHostKeyChecking=accept-new", "HashKnownHosts=yes", "BatchMode=yes"));
        Assert.True(ssh.ExitCode == 0, ssh.ToString());
        string line = (await File.ReadAllTextAsync(kh)).Trim();
        Assert.StartsWith("|1|", line, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", line, StringComparison.Ordinal);
        Assert.EndsWith($" {_hostKey[0]} {_hostKey[1]}", line, StringComparison.Ordinal);

        var hop = await HopAsync(await ArgsAsync(kh, "StrictHostKeyChecking=yes", "BatchMode=yes"));
        Assert.True(hop.ExitCode == 0, hop.ToString());
        Assert.Equal("ran\n", Clean(hop.Stdout));
        Assert.Equal(line, (await File.ReadAllTextAsync(kh)).Trim()); // nothing added or rewritten

        foreach (string name in new[] { Name, "127.0.0.1", $"[127.0.0.1]:{_sshd.Port + 1}" })
        {
            var theirs = Peer.Keygen("-F", name, "-f", kh);
            var ours = await HopCli.RunAsync(["keygen", "-F", name, "-f", kh]);
            Assert.Equal(theirs.ExitCode, ours.ExitCode);
            Assert.Equal(theirs.Stdout, ours.Stdout);
        }
        Assert.Contains($"# Host {Name} found: line 1", Peer.Keygen("-F", Name, "-f", kh).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostKeyAliasIsWrittenAndReadWithoutThePortAsSshDoes()
    {
        string sshKh = Path.Combine(_dir, "alias-ssh"), hopKh = Path.Combine(_dir, "alias-hop");
        var ssh = Peer.Run("/usr/bin/ssh", await ArgsAsync(sshKh, "StrictHostKeyChecking=accept-new", "HostKeyAlias=myalias", "BatchMode=yes"));
        Assert.True(ssh.ExitCode == 0, ssh.ToString());
        var hop = await HopAsync(await ArgsAsync(hopKh, "StrictHostKeyChecking=accept-new", "HostKeyAlias=myalias", "BatchMode=yes"));
        Assert.True(hop.ExitCode == 0, hop.ToString());
        Assert.Equal(await File.ReadAllTextAsync(sshKh), await File.ReadAllTextAsync(hopKh));
        var again = await HopAsync(await ArgsAsync(sshKh, "StrictHostKeyChecking=yes", "HostKeyAlias=myalias", "BatchMode=yes"));
        Assert.True(again.ExitCode == 0, again.ToString());
        // Under its own name the host is still unknown.
        var plain = await HopAsync(await ArgsAsync(sshKh, "StrictHostKeyChecking=yes", "BatchMode=yes"));
        Assert.Equal(255, plain.ExitCode);
    }

    [Fact]
    public async Task KeyInTheSecondOfSeveralFilesIsKnown()
    {
        string a = Path.Combine(_dir, "first"), b = Path.Combine(_dir, "second");
        await File.WriteAllTextAsync(a, "");
        await File.WriteAllTextAsync(b, $"{Name} {_hostKey[0]} {_hostKey[1]}\n");
        var hop = await HopAsync(await ArgsAsync($"{a} {b}", "StrictHostKeyChecking=yes", "BatchMode=yes"));
        Assert.True(hop.ExitCode == 0, hop.ToString());
        var global = await HopAsync((await ArgsAsync(a, "StrictHostKeyChecking=yes", "BatchMode=yes"))
            .Select(x => x == "GlobalKnownHostsFile=/dev/null" ? $"GlobalKnownHostsFile={b}" : x).ToList());
        Assert.True(global.ExitCode == 0, global.ToString());
        Assert.Equal("", await File.ReadAllTextAsync(a));
    }

    private static string Block(string stderr, string first, string last)
    {
        var lines = Clean(stderr).Split('\n');
        int start = Array.FindIndex(lines, l => l.Contains(first, StringComparison.Ordinal));
        int end = Array.FindIndex(lines, Math.Max(start, 0), l => l.Contains(last, StringComparison.Ordinal));
        Assert.True(start >= 0 && end >= start, stderr);
        return string.Join('\n', lines[start..(end + 1)]);
    }

    [Fact]
    public async Task RevokedKeyIsRefusedWithSshsWarning()
    {
        string kh = Path.Combine(_dir, "revoked");
        await File.WriteAllTextAsync(kh, $"@revoked * {_hostKey[0]} {_hostKey[1]}\n{Name} {_hostKey[0]} {_hostKey[1]}\n");
        foreach (var mode in new[] { "accept-new", "yes", "ask" })
        {
            var ssh = Peer.Run("/usr/bin/ssh", await ArgsAsync(kh, $"StrictHostKeyChecking={mode}", "BatchMode=yes"));
            Assert.Equal(255, ssh.ExitCode);
            var hop = await HopAsync(await ArgsAsync(kh, $"StrictHostKeyChecking={mode}", "BatchMode=yes"));
            Assert.Equal(255, hop.ExitCode);
            Assert.DoesNotContain("ran", hop.Stdout, StringComparison.Ordinal);
            Assert.Equal(Block(ssh.Stderr, "REVOKED HOST KEY", "was revoked and you have requested strict checking."),
                Block(hop.Stderr, "REVOKED HOST KEY", "was revoked and you have requested strict checking."));
        }
        // StrictHostKeyChecking=no goes on, as ssh does, without password or keyboard-interactive authentication.
        var sshNo = Peer.Run("/usr/bin/ssh", await ArgsAsync(kh, "StrictHostKeyChecking=no", "BatchMode=yes"));
        Assert.True(sshNo.ExitCode == 0, sshNo.ToString());
        var hopNo = await HopAsync(await ArgsAsync(kh, "StrictHostKeyChecking=no", "BatchMode=yes"));
        Assert.True(hopNo.ExitCode == 0, hopNo.ToString());
        Assert.Equal(Block(sshNo.Stderr, "REVOKED HOST KEY", "Keyboard-interactive authentication is disabled"),
            Block(hopNo.Stderr, "REVOKED HOST KEY", "Keyboard-interactive authentication is disabled"));
    }

    [Fact]
    public async Task ChangedKeyWarningMatchesSshs()
    {
        string kh = Path.Combine(_dir, "changed");
        var other = (await File.ReadAllTextAsync(await TestKeys.UserKeyAsync() + ".pub")).Trim().Split(' ');
        await File.WriteAllTextAsync(kh, $"# a comment\n{Name} {other[0]} {other[1]}\n");
        var ssh = Peer.Run("/usr/bin/ssh", await ArgsAsync(kh, "StrictHostKeyChecking=yes", "BatchMode=yes"));
        Assert.Equal(255, ssh.ExitCode);
        var hop = await HopAsync(await ArgsAsync(kh, "StrictHostKeyChecking=yes", "BatchMode=yes"));
        Assert.Equal(255, hop.ExitCode);
        string expected = Block(ssh.Stderr, "@@@@", "has changed and you have requested strict checking.")
            .Replace("ssh-keygen -f", "hop keygen -f", StringComparison.Ordinal);
        Assert.Contains($"{kh}:2", expected, StringComparison.Ordinal);
        Assert.Equal(expected, Block(hop.Stderr, "@@@@", "has changed and you have requested strict checking."));
    }

    /// <summary>An askpass program that gives <paramref name="answers"/> one per call and logs each prompt.</summary>
    private string Askpass(string name, params string[] answers)
    {
        string log = Path.Combine(_dir, name + ".log"), count = Path.Combine(_dir, name + ".n");
        string script = Path.Combine(_dir, name);
        var body = new System.Text.StringBuilder("#!/bin/sh\n");
        body.Append($"n=$(cat '{count}' 2>/dev/null || echo 0); echo $((n+1)) > '{count}'\n");
        body.Append($"printf '%s\\n---\\n' \"$1\" >> '{log}'\n");
        for (int i = 0; i < answers.Length; i++) body.Append($"[ \"$n\" = {i} ] && echo '{answers[i]}' && exit 0\n");
        body.Append("echo no\n");
        File.WriteAllText(script, body.ToString());
        File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
        return script;
    }

    [Fact]
    public async Task QuestionTakesYesOrTheFingerprintAndAsksAgainOtherwise()
    {
        string fp = Peer.Keygen("-l", "-f", Path.Combine(await TestKeys.DirectoryAsync(), "host_ed25519.pub")).Stdout.Split(' ')[1];
        foreach (var (name, answers) in new[] { ("by-yes", new[] { "maybe", "yes" }), ("by-fp", new[] { fp }) })
        {
            string sshKh = Path.Combine(_dir, name + "-ssh"), hopKh = Path.Combine(_dir, name + "-hop");
            var ssh = Peer.Run("/usr/bin/ssh", await ArgsAsync(sshKh, "StrictHostKeyChecking=ask"),
                environment: new() { ["SSH_ASKPASS"] = Askpass(name + "-ssh-ask", answers), ["SSH_ASKPASS_REQUIRE"] = "force" });
            Assert.True(ssh.ExitCode == 0, ssh.ToString());
            var hop = await HopAsync(await ArgsAsync(hopKh, "StrictHostKeyChecking=ask"),
                new() { ["SSH_ASKPASS"] = Askpass(name + "-hop-ask", answers), ["SSH_ASKPASS_REQUIRE"] = "force" });
            Assert.True(hop.ExitCode == 0, hop.ToString());
            Assert.Equal("ran\n", hop.Stdout);
            Assert.Equal(await File.ReadAllTextAsync(sshKh), await File.ReadAllTextAsync(hopKh));
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(_dir, name + "-ssh-ask.log")), await File.ReadAllTextAsync(Path.Combine(_dir, name + "-hop-ask.log")));
            Assert.Contains("Warning: Permanently added", hop.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task UnsupportedKeywordIsReportedOnceUnderVerbose()
    {
        string config = Path.Combine(_dir, "config");
        await File.WriteAllTextAsync(config, "GSSAPIAuthentication yes\nHost *\n  GSSAPIAuthentication no\n");
        var quiet = await HopCli.RunAsync(["ssh", "-G", "-F", config, "h"]);
        Assert.True(quiet.ExitCode == 0, quiet.ToString());
        var kh = Path.Combine(_dir, "kh-unsupported");
        await File.WriteAllTextAsync(kh, $"{Name} {_hostKey[0]} {_hostKey[1]}\n");
        var args = await ArgsAsync(kh, "StrictHostKeyChecking=yes", "BatchMode=yes");
        args[args.IndexOf("/dev/null")] = config;
        var loud = await HopAsync(["-v", .. args]);
        Assert.True(loud.ExitCode == 0, loud.ToString());
        Assert.Single(Clean(loud.Stderr).Split('\n'), l => l.Contains("gssapiauthentication", StringComparison.OrdinalIgnoreCase) && l.Contains("not supported", StringComparison.Ordinal));
        var plain = await HopAsync(args);
        Assert.DoesNotContain("not supported", plain.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownHostUnderStrictCheckingSaysWhatSshSays()
    {
        string kh = Path.Combine(_dir, "unknown");
        var ssh = Peer.Run("/usr/bin/ssh", await ArgsAsync(kh, "StrictHostKeyChecking=yes", "BatchMode=yes"));
        Assert.Equal(255, ssh.ExitCode);
        var hop = await HopAsync(await ArgsAsync(kh, "StrictHostKeyChecking=yes", "BatchMode=yes"));
        Assert.Equal(255, hop.ExitCode);
        string line = Clean(ssh.Stderr).Split('\n').Single(l => l.StartsWith("No ", StringComparison.Ordinal));
        Assert.Contains(line + "\n", Clean(hop.Stderr), StringComparison.Ordinal);
        Assert.False(File.Exists(kh));
    }
}
