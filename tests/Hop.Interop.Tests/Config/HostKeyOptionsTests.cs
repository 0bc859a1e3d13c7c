using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Config;

/// <summary>
/// FingerprintHash, NoHostAuthenticationForLocalhost and KnownHostsCommand, each compared with /usr/bin/ssh against the
/// same sshd: the fingerprints shown (prompt, -v), a wrong known_hosts key on a loopback connection, and a command whose
/// output makes the host known, with the arguments it was given.
/// </summary>
public sealed class HostKeyOptionsTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;
    private string _dir = null!;

    public async Task InitializeAsync()
    {
        _sshd = await SshdServer.StartAsync(hostKeys: ["ed25519"]);
        _dir = TestPaths.NewTempDir("hop-hko-");
    }

    public async Task DisposeAsync()
    {
        await _sshd.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private string Port => _sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>"[127.0.0.1]:PORT TYPE BASE64" for the sshd's key, or for another key when <paramref name="wrong"/>.</summary>
    private async Task<string> HostLineAsync(bool wrong = false)
    {
        string pubFile = wrong ? Path.Combine(await TestKeys.DirectoryAsync(), "id_ed25519.pub") : Path.Combine(await TestKeys.DirectoryAsync(), "host_ed25519.pub");
        var pub = (await File.ReadAllTextAsync(pubFile)).Trim().Split(' ');
        return $"[127.0.0.1]:{_sshd.Port} {pub[0]} {pub[1]}";
    }

    private async Task<List<string>> ArgsAsync(string knownHosts, params string[] options)
    {
        var args = new List<string>
        {
            "-F", "/dev/null", "-p", Port, "-i", await TestKeys.UserKeyAsync(), "-o", "IdentitiesOnly=yes",
            "-o", $"UserKnownHostsFile={knownHosts}", "-o", "GlobalKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10",
            "-o", "UpdateHostKeys=no",
        };
        foreach (var o in options) args.AddRange(["-o", o]);
        args.AddRange(["-l", _sshd.User, "127.0.0.1", "true"]);
        return args;
    }

    private async Task<(Peer.Result Ssh, ProcessResult Hop)> BothAsync(string knownHosts, params string[] options)
    {
        var ssh = Peer.Run("/usr/bin/ssh", await ArgsAsync(knownHosts, options));
        var hop = await HopCli.RunAsync(["ssh", .. await ArgsAsync(knownHosts, options)]);
        return (ssh, hop);
    }

    private static string? LineStarting(string text, string start) =>
        text.Replace("\r", "", StringComparison.Ordinal).Split('\n').FirstOrDefault(l => l.StartsWith(start, StringComparison.Ordinal));

    /// <summary>An askpass program that saves its prompt and answers "no".</summary>
    private string AskpassSaving(string promptFile)
    {
        string script = Path.Combine(_dir, "askpass-" + Path.GetFileName(promptFile));
        File.WriteAllText(script, $"#!/bin/sh\nprintf '%s' \"$1\" > '{promptFile}'\necho no\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
        return script;
    }

    [Theory]
    [InlineData("md5", "MD5:")]
    [InlineData("sha512", "SHA512:")]
    public async Task UnknownHostQuestionUsesFingerprintHashAsSshDoes(string hash, string prefix)
    {
        string kh = Path.Combine(_dir, "kh-ask-" + hash);
        string sshPrompt = Path.Combine(_dir, "ssh-prompt-" + hash), hopPrompt = Path.Combine(_dir, "hop-prompt-" + hash);
        string[] options = ["StrictHostKeyChecking=ask", "VisualHostKey=yes", $"FingerprintHash={hash}"];
        var ssh = Peer.Run("/usr/bin/ssh", await ArgsAsync(kh, options),
            environment: new() { ["SSH_ASKPASS"] = AskpassSaving(sshPrompt), ["SSH_ASKPASS_REQUIRE"] = "force" });
        Assert.Equal(255, ssh.ExitCode);
        var hop = await HopCli.RunAsync(["ssh", .. await ArgsAsync(kh, options)],
            new Dictionary<string, string?> { ["SSH_ASKPASS"] = AskpassSaving(hopPrompt), ["SSH_ASKPASS_REQUIRE"] = "force" });
        Assert.Equal(255, hop.ExitCode);
        string expected = await File.ReadAllTextAsync(sshPrompt);
        Assert.Contains($"ED25519 key fingerprint is {prefix}", expected, StringComparison.Ordinal);
        Assert.Equal(expected, await File.ReadAllTextAsync(hopPrompt));
    }

    [Fact]
    public async Task VerboseServerHostKeyLineUsesFingerprintHashAsSshDoes()
    {
        string kh = Path.Combine(_dir, "kh-v");
        await File.WriteAllTextAsync(kh, await HostLineAsync() + "\n");
        var (ssh, hop) = await BothAsync(kh, "BatchMode=yes", "FingerprintHash=md5", "LogLevel=DEBUG1");
        Assert.True(ssh.ExitCode == 0, ssh.ToString());
        Assert.True(hop.ExitCode == 0, hop.ToString());
        string? expected = LineStarting(ssh.Stderr, "debug1: Server host key: ");
        Assert.NotNull(expected);
        Assert.Contains(" MD5:", expected, StringComparison.Ordinal);
        Assert.Equal(expected, LineStarting(hop.Stderr, "debug1: Server host key: "));
    }

    [Fact]
    public async Task ChangedKeyWarningUsesFingerprintHashAsSshDoes()
    {
        string kh = Path.Combine(_dir, "kh-changed");
        await File.WriteAllTextAsync(kh, await HostLineAsync(wrong: true) + "\n");
        var (ssh, hop) = await BothAsync(kh, "BatchMode=yes", "StrictHostKeyChecking=yes", "FingerprintHash=md5");
        Assert.Equal(255, ssh.ExitCode);
        Assert.Equal(255, hop.ExitCode);
        static string Fingerprint(string stderr)
        {
            var lines = stderr.Replace("\r", "", StringComparison.Ordinal).Split('\n');
            int at = Array.FindIndex(lines, l => l.StartsWith("The fingerprint for the ED25519 key sent by the remote host is", StringComparison.Ordinal));
            Assert.True(at >= 0, stderr);
            return lines[at + 1];
        }
        Assert.StartsWith("MD5:", Fingerprint(ssh.Stderr), StringComparison.Ordinal);
        Assert.Equal(Fingerprint(ssh.Stderr), Fingerprint(hop.Stderr));
    }

    [Fact]
    public async Task NoHostAuthenticationForLocalhostSkipsTheCheckOnLoopbackAsSshDoes()
    {
        string kh = Path.Combine(_dir, "kh-wrong");
        await File.WriteAllTextAsync(kh, await HostLineAsync(wrong: true) + "\n");
        var (ssh, hop) = await BothAsync(kh, "BatchMode=yes", "StrictHostKeyChecking=yes", "NoHostAuthenticationForLocalhost=yes", "LogLevel=DEBUG1");
        Assert.True(ssh.ExitCode == 0, ssh.ToString());
        Assert.True(hop.ExitCode == 0, hop.ToString());
        const string Forcing = "debug1: Forcing accepting of host key for loopback/localhost.";
        Assert.Contains(Forcing, ssh.Stderr, StringComparison.Ordinal);
        Assert.Contains(Forcing, hop.Stderr, StringComparison.Ordinal);
        Assert.Equal(await HostLineAsync(wrong: true) + "\n", await File.ReadAllTextAsync(kh));

        // Without it, or with a HostKeyAlias (ssh then checks the key whatever the address), both refuse.
        foreach (var options in new[] { new[] { "NoHostAuthenticationForLocalhost=no" }, ["NoHostAuthenticationForLocalhost=yes", "HostKeyAlias=127.0.0.1"] })
        {
            var (sshNo, hopNo) = await BothAsync(kh, ["BatchMode=yes", "StrictHostKeyChecking=yes", .. options]);
            Assert.Equal(255, sshNo.ExitCode);
            Assert.True(hopNo.ExitCode == 255, hopNo.ToString());
            Assert.Contains("Host key verification failed.", hopNo.Stderr, StringComparison.Ordinal);
        }
    }

    /// <summary>A KnownHostsCommand script that logs its arguments (one per line, after a line naming the run) and prints <paramref name="output"/>.</summary>
    private string CommandScript(string name, string output, int exitCode = 0)
    {
        string outFile = Path.Combine(_dir, name + ".out");
        File.WriteAllText(outFile, output);
        string script = Path.Combine(_dir, name + ".sh");
        string log = Path.Combine(_dir, name + ".log");
        File.WriteAllText(script, $"#!/bin/sh\necho \"run $#\" >> '{log}'\nfor a in \"$@\"; do printf '<%s>\\n' \"$a\" >> '{log}'; done\ncat '{outFile}'\nexit {exitCode}\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
        return script;
    }

    private string TakeLog(string name)
    {
        string log = Path.Combine(_dir, name + ".log");
        string text = File.Exists(log) ? File.ReadAllText(log) : "";
        File.Delete(log);
        return text;
    }

    [Fact]
    public async Task KnownHostsCommandOutputMakesTheHostKnownAndGetsSshsArguments()
    {
        string kh = Path.Combine(_dir, "kh-empty-1");
        await File.WriteAllTextAsync(kh, "");
        string script = CommandScript("khc-good", await HostLineAsync() + "\n");
        string command = $"KnownHostsCommand={script} %I %H %t %f \"%K\" %h %p %n %r %C %k %% \"two words\"";

        var ssh = Peer.Run("/usr/bin/ssh", await ArgsAsync(kh, "BatchMode=yes", "StrictHostKeyChecking=yes", command, "LogLevel=DEBUG1"));
        Assert.True(ssh.ExitCode == 0, ssh.ToString());
        string sshArgs = TakeLog("khc-good");
        var hop = await HopCli.RunAsync(["ssh", .. await ArgsAsync(kh, "BatchMode=yes", "StrictHostKeyChecking=yes", command, "LogLevel=DEBUG1")]);
        Assert.True(hop.ExitCode == 0, hop.ToString());
        string hopArgs = TakeLog("khc-good");

        // Two runs, as ssh makes them: ORDER (no key yet: NONE) while ordering HostKeyAlgorithms, then HOSTNAME with the key.
        Assert.Contains("<ORDER>\n<127.0.0.1>\n<NONE>\n<NONE>\n<NONE>\n", sshArgs, StringComparison.Ordinal);
        Assert.Contains($"<HOSTNAME>\n<[127.0.0.1]:{_sshd.Port}>\n<ssh-ed25519>\n<SHA256:", sshArgs, StringComparison.Ordinal);
        Assert.Equal(sshArgs, hopArgs);
        const string Found = "debug1: Found key in KnownHostsCommand-HOSTNAME:1";
        Assert.Contains(Found, ssh.Stderr, StringComparison.Ordinal);
        Assert.Contains(Found, hop.Stderr, StringComparison.Ordinal);
        Assert.Equal("", await File.ReadAllTextAsync(kh));
    }

    [Fact]
    public async Task KnownHostsCommandPrintingNothingLeavesTheHostUnknown()
    {
        string kh = Path.Combine(_dir, "kh-empty-2");
        await File.WriteAllTextAsync(kh, "");
        string script = CommandScript("khc-none", "");
        var (ssh, hop) = await BothAsync(kh, "BatchMode=yes", "StrictHostKeyChecking=yes", $"KnownHostsCommand={script} %H");
        Assert.Equal(255, ssh.ExitCode);
        Assert.Equal(255, hop.ExitCode);
        string refusal = $"No ED25519 host key is known for [127.0.0.1]:{_sshd.Port} and you have requested strict checking.";
        Assert.Contains(refusal, ssh.Stderr, StringComparison.Ordinal);
        Assert.Contains(refusal, hop.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KnownHostsCommandFailingOrMissingIsHandledAsSshHandlesIt()
    {
        string kh = Path.Combine(_dir, "kh-empty-3");
        await File.WriteAllTextAsync(kh, await HostLineAsync() + "\n");
        // A status other than 0 ends the connection, though known_hosts knows the key.
        string failing = CommandScript("khc-fail", await HostLineAsync() + "\n", exitCode: 3);
        var (ssh, hop) = await BothAsync(kh, "BatchMode=yes", "StrictHostKeyChecking=yes", $"KnownHostsCommand={failing} %H");
        Assert.Equal(255, ssh.ExitCode);
        Assert.Equal(255, hop.ExitCode);
        string status = $"KnownHostsCommand-ORDER {failing} 127.0.0.1 failed, status 3";
        Assert.Contains(status, ssh.Stderr, StringComparison.Ordinal);
        Assert.Contains(status, hop.Stderr, StringComparison.Ordinal);
        Assert.Contains("KnownHostsCommand failed", hop.Stderr, StringComparison.Ordinal);

        // A program that is not there, or not given by absolute path, is reported and its keys are missing: known_hosts still counts.
        foreach (var (program, message) in new[]
        {
            (Path.Combine(_dir, "absent"), $"Could not stat KnownHostsCommand-HOSTNAME \"{Path.Combine(_dir, "absent")}\": No such file or directory"),
            ("relative.sh", "KnownHostsCommand-HOSTNAME path is not absolute"),
        })
        {
            var (sshMissing, hopMissing) = await BothAsync(kh, "BatchMode=yes", "StrictHostKeyChecking=yes", $"KnownHostsCommand={program} %H");
            Assert.True(sshMissing.ExitCode == 0, sshMissing.ToString());
            Assert.True(hopMissing.ExitCode == 0, hopMissing.ToString());
            Assert.Contains(message, sshMissing.Stderr, StringComparison.Ordinal);
            Assert.Contains(message, hopMissing.Stderr, StringComparison.Ordinal);
        }
    }
}
