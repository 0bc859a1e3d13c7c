using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Config;

/// <summary>
/// What a person sees about host keys, compared with /usr/bin/ssh against the same sshd: the unknown-host question (with
/// VisualHostKey's randomart), the fingerprint picture for a known host, CheckHostIP on a local connection, a malformed
/// known_hosts line, and a user config file others may write.
/// </summary>
public sealed class HostKeyPromptTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;
    private string _dir = null!;

    public async Task InitializeAsync()
    {
        _sshd = await SshdServer.StartAsync(hostKeys: ["ed25519"]);
        _dir = TestPaths.NewTempDir("hop-hkp-");
    }

    public async Task DisposeAsync() => await _sshd.DisposeAsync();

    private async Task<string> HostLineAsync(string name = "127.0.0.1")
    {
        var pub = (await File.ReadAllTextAsync(Path.Combine(await TestKeys.DirectoryAsync(), "host_ed25519.pub"))).Trim().Split(' ');
        return $"[{name}]:{_sshd.Port} {pub[0]} {pub[1]}";
    }

    private async Task<List<string>> ArgsAsync(string knownHosts, string host, params string[] options)
    {
        var args = new List<string>
        {
            "-F", "/dev/null", "-p", _sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-i", await TestKeys.UserKeyAsync(), "-o", "IdentitiesOnly=yes", "-o", $"UserKnownHostsFile={knownHosts}",
            "-o", "GlobalKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10", "-o", "UpdateHostKeys=no",
        };
        foreach (var o in options) args.AddRange(["-o", o]);
        args.AddRange(["-l", _sshd.User, host, "true"]);
        return args;
    }

    /// <summary>An askpass program that saves its prompt and answers "no".</summary>
    private string AskpassSaving(string promptFile)
    {
        string script = Path.Combine(_dir, "askpass-" + Path.GetFileName(promptFile));
        File.WriteAllText(script, $"#!/bin/sh\nprintf '%s' \"$1\" > '{promptFile}'\necho no\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
        return script;
    }

    [Fact]
    public async Task UnknownHostQuestionShowsTheRandomartAsSshDoes()
    {
        string kh = Path.Combine(_dir, "kh-ask");
        string sshPrompt = Path.Combine(_dir, "ssh-prompt"), hopPrompt = Path.Combine(_dir, "hop-prompt");
        var ssh = Peer.Run("/usr/bin/ssh", [.. await ArgsAsync(kh, "127.0.0.1", "VisualHostKey=yes", "StrictHostKeyChecking=ask")],
            environment: new() { ["SSH_ASKPASS"] = AskpassSaving(sshPrompt), ["SSH_ASKPASS_REQUIRE"] = "force" });
        Assert.Equal(255, ssh.ExitCode);
        var hop = await HopCli.RunAsync(["ssh", .. await ArgsAsync(kh, "127.0.0.1", "VisualHostKey=yes", "StrictHostKeyChecking=ask")],
            new Dictionary<string, string?> { ["SSH_ASKPASS"] = AskpassSaving(hopPrompt), ["SSH_ASKPASS_REQUIRE"] = "force" });
        Assert.Equal(255, hop.ExitCode);
        string expected = await File.ReadAllTextAsync(sshPrompt);
        Assert.Contains("+----[SHA256]-----+", expected, StringComparison.Ordinal);
        Assert.Equal(expected, await File.ReadAllTextAsync(hopPrompt));
        Assert.False(File.Exists(kh) && (await File.ReadAllTextAsync(kh)).Length > 0, "a refused key was written");
    }

    [Fact]
    public async Task KnownHostShowsItsFingerprintPictureAsSshDoes()
    {
        string kh = Path.Combine(_dir, "kh-known");
        await File.WriteAllTextAsync(kh, await HostLineAsync() + "\n");
        var ssh = Peer.Run("/usr/bin/ssh", [.. await ArgsAsync(kh, "127.0.0.1", "VisualHostKey=yes", "BatchMode=yes")]);
        Assert.True(ssh.ExitCode == 0, ssh.ToString());
        var hop = await HopCli.RunAsync(["ssh", .. await ArgsAsync(kh, "127.0.0.1", "VisualHostKey=yes", "BatchMode=yes")]);
        Assert.True(hop.ExitCode == 0, hop.ToString());
        static string Picture(string stderr)
        {
            var lines = stderr.Replace("\r", "", StringComparison.Ordinal).Split('\n');
            int start = Array.FindIndex(lines, l => l.StartsWith("Host key fingerprint is ", StringComparison.Ordinal));
            Assert.True(start >= 0, stderr);
            return string.Join('\n', lines[start..(start + 12)]);
        }
        Assert.Equal(Picture(ssh.Stderr), Picture(hop.Stderr));
    }

    /// <summary>CheckHostIP is off for a loopback connection in OpenSSH: learning "localhost" writes the name alone, as ssh does.</summary>
    [Fact]
    public async Task CheckHostIPOnALocalConnectionWritesWhatSshWrites()
    {
        string sshKh = Path.Combine(_dir, "kh-ssh-ip"), hopKh = Path.Combine(_dir, "kh-hop-ip");
        var ssh = Peer.Run("/usr/bin/ssh", [.. await ArgsAsync(sshKh, "localhost", "CheckHostIP=yes", "StrictHostKeyChecking=accept-new", "BatchMode=yes")]);
        Assert.True(ssh.ExitCode == 0, ssh.ToString());
        var hop = await HopCli.RunAsync(["ssh", .. await ArgsAsync(hopKh, "localhost", "CheckHostIP=yes", "StrictHostKeyChecking=accept-new", "BatchMode=yes")]);
        Assert.True(hop.ExitCode == 0, hop.ToString());
        Assert.Equal(await File.ReadAllTextAsync(sshKh), await File.ReadAllTextAsync(hopKh));
        Assert.Equal(await HostLineAsync("localhost") + "\n", await File.ReadAllTextAsync(hopKh));
        // A second connection with the address check on finds the host known and adds nothing.
        var again = await HopCli.RunAsync(["ssh", .. await ArgsAsync(hopKh, "localhost", "CheckHostIP=yes", "StrictHostKeyChecking=yes", "BatchMode=yes")]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(await HostLineAsync("localhost") + "\n", await File.ReadAllTextAsync(hopKh));
    }

    [Fact]
    public async Task MalformedLineIsReportedWithFileAndLineAndNeverMakesTheHostKnown()
    {
        string kh = Path.Combine(_dir, "kh-bad");
        string good = await HostLineAsync();
        string[] parts = good.Split(' ');
        // The host's name over a damaged key, a truncated line, and a line with an unknown key type.
        await File.WriteAllLinesAsync(kh, [$"{parts[0]} {parts[1]} {parts[2][..20]}", $"{parts[0]} {parts[1]}", $"{parts[0]} ssh-foo {parts[2]}"]);
        var hop = await HopCli.RunAsync(["ssh", "-v", .. await ArgsAsync(kh, "127.0.0.1", "StrictHostKeyChecking=yes", "BatchMode=yes")]);
        Assert.Equal(255, hop.ExitCode);
        Assert.Contains("Host key verification failed.", hop.Stderr, StringComparison.Ordinal);
        foreach (int line in new[] { 1, 2, 3 })
            Assert.Contains($"{kh}:{line}:", hop.Stderr, StringComparison.Ordinal);
        var ssh = Peer.Run("/usr/bin/ssh", [.. await ArgsAsync(kh, "127.0.0.1", "StrictHostKeyChecking=yes", "BatchMode=yes")]);
        Assert.Equal(255, ssh.ExitCode);

        // With accept-new the real key is learned next to the damaged lines, which stay as they were.
        var learn = await HopCli.RunAsync(["ssh", .. await ArgsAsync(kh, "127.0.0.1", "StrictHostKeyChecking=accept-new", "BatchMode=yes")]);
        Assert.True(learn.ExitCode == 0, learn.ToString());
        var lines = await File.ReadAllLinesAsync(kh);
        Assert.Equal(4, lines.Length);
        Assert.Equal(good, lines[3]);
    }

    [Theory]
    [InlineData(0b110_110_100)]
    [InlineData(0b110_100_110)]
    public async Task UserConfigOthersMayWriteIsRefused(int mode)
    {
        string home = Path.Combine(_dir, "home" + mode);
        Directory.CreateDirectory(Path.Combine(home, ".ssh"));
        string config = Path.Combine(home, ".ssh", "config");
        await File.WriteAllTextAsync(config, "Port 1234\n");
        File.SetUnixFileMode(config, (UnixFileMode)mode);
        var hop = await HopCli.RunAsync(["ssh", "-G", "h"], new Dictionary<string, string?> { ["HOME"] = home });
        Assert.Equal(255, hop.ExitCode);
        Assert.Contains($"Bad owner or permissions on {config}", hop.Stderr, StringComparison.Ordinal);
        // -F names a file explicitly: ssh does not check it, nor does Hop.
        var explicitFile = await HopCli.RunAsync(["ssh", "-G", "-F", config, "h"], new Dictionary<string, string?> { ["HOME"] = home });
        Assert.True(explicitFile.ExitCode == 0, explicitFile.ToString());
        var ssh = Peer.Run("/usr/bin/ssh", ["-G", "-F", config, "h"]);
        Assert.Equal(0, ssh.ExitCode);
    }
}
