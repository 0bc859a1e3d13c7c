using System.Security.Cryptography;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Cli;

/// <summary>`hop ssh` as a command, against OpenSSH's sshd, dropbear and AsyncSSH.</summary>
public class SshCliTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;

    public async Task InitializeAsync() => _sshd = await SshdServer.StartAsync();
    public async Task DisposeAsync() => await _sshd.DisposeAsync();

    private Task<List<string>> ArgsAsync(string keyType = "ed25519") => HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath, keyType);

    /// <summary>`exe args | consumer` in bash; stdout is the consumer's output, then the client's exit status.</summary>
    private static Task<ProcessResult> RunPipedAsync(string exe, IEnumerable<string> args, string consumer)
    {
        static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
        string line = $"{Quote(exe)} {string.Join(' ', args.Select(Quote))} | {consumer}; echo \"${{PIPESTATUS[0]}}\"";
        return ProcessRunner.RunAsync("/bin/bash", ["-c", line], HopCli.IsolatedEnvironment(), [], TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task RunsCommandWithStdoutStderrAndExitStatus()
    {
        var args = await ArgsAsync();
        args.Add("echo hello; echo oops >&2; exit 3");
        var r = await HopCli.RunAsync(args);
        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.Equal("hello\n", r.Stdout);
        Assert.Equal("oops\n", r.Stderr);
    }

    [Fact]
    public async Task RemoteCommandAndStdinNullFromTheConfigRunAsFlagsWould()
    {
        // RemoteCommand is the command (its tokens expanded); StdinNull gives it /dev/null, as -n.
        var args = await ArgsAsync();
        args.InsertRange(1, ["-o", "RemoteCommand=echo %r@%n; cat", "-o", "StdinNull=yes"]);
        var r = await HopCli.RunAsync(args, stdin: "typed\n"u8.ToArray());
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal($"{_sshd.User}@127.0.0.1\n", r.Stdout);

        args.RemoveRange(3, 2);
        var withStdin = await HopCli.RunAsync(args, stdin: "typed\n"u8.ToArray());
        Assert.True(withStdin.ExitCode == 0, withStdin.ToString());
        Assert.Equal($"{_sshd.User}@127.0.0.1\ntyped\n", withStdin.Stdout);
    }

    [Fact]
    public async Task CommandWordsAreJoinedAsSshJoinsThem()
    {
        var args = await ArgsAsync();
        args.AddRange(["echo", "a", "b"]);
        var r = await HopCli.RunAsync(args);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("a b\n", r.Stdout);
    }

    [Fact]
    public async Task StdinIsStreamedAndEofReachesTheCommand()
    {
        var data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        var args = await ArgsAsync();
        args.Add("sha256sum");
        var r = await HopCli.RunAsync(args, stdin: data);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith(Convert.ToHexStringLower(SHA256.HashData(data)), r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StdinPipeIsWidenedToOneMebibyteAndItsDataArrivesIntact()
    {
        // A 64 KiB pipe made a bulk upload alternate between the producer and hop (two packets per
        // wake-up); hop asks the kernel for a 1 MiB pipe (F_SETPIPE_SZ), which strace shows granted.
        var data = RandomNumberGenerator.GetBytes(5 * 1024 * 1024 + 3);
        var args = await ArgsAsync();
        args.Add("sha256sum");
        string trace = Path.GetTempFileName();
        try
        {
            var r = await ProcessRunner.RunAsync("/usr/bin/strace", ["-f", "-qq", "-e", "trace=fcntl", "-o", trace, TestPaths.HopBinary, .. args],
                HopCli.IsolatedEnvironment(), data, TimeSpan.FromSeconds(120));
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.StartsWith(Convert.ToHexStringLower(SHA256.HashData(data)), r.Stdout, StringComparison.Ordinal);
            Assert.Contains(File.ReadAllLines(trace), l => System.Text.RegularExpressions.Regex.IsMatch(l, @"fcntl\(0, F_SETPIPE_SZ, 1048576\)\s+= 1048576$"));
        }
        finally
        {
            File.Delete(trace);
        }
    }

    [Fact]
    public async Task BinaryStdoutIsIntact()
    {
        var args = await ArgsAsync();
        args.Add("head -c 5000000 /dev/urandom | tee /tmp/hop-bin-$$ ; sha256sum /tmp/hop-bin-$$ >&2; rm -f /tmp/hop-bin-$$");
        var r = await HopCli.RunAsync(args);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(5000000, r.StdoutBytes.Length);
        Assert.StartsWith(Convert.ToHexStringLower(SHA256.HashData(r.StdoutBytes)), r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClosedStdoutEndsTheRemoteCommandAsOpenSshDoes()
    {
        // `ssh host yes | head -c 1`: OpenSSH's client, its stdout gone (EPIPE), tells sshd
        // (eow@openssh.com), `yes` dies of SIGPIPE and ssh exits at once with what the server
        // reports. hop never noticed (.NET's console stream drops EPIPE silently) and ran,
        // discarding everything, until killed.
        var args = await ArgsAsync();
        args.Add("yes");
        var ssh = await RunPipedAsync("/usr/bin/ssh", args.Skip(1), "head -c 1 >/dev/null");
        var hop = await RunPipedAsync(TestPaths.HopBinary, args, "head -c 1 >/dev/null");
        Assert.NotEqual("0", ssh.Stdout.Trim());
        Assert.Equal(ssh.Stdout, hop.Stdout);
        Assert.Equal("", hop.Stderr);
    }

    [Fact]
    public async Task AReaderThatPausesDoesNotCostTheConnectionAsWithOpenSsh()
    {
        // `ssh host cmd | less`, the reader paused, with ServerAliveInterval set: OpenSSH's client
        // keeps reading the socket (the channel's window closes, keepalive replies are read), so the
        // session survives. hop wrote stdout on its receive loop, blocked there, missed the replies
        // and gave up ("Timeout, server not responding"). The reader waits 5 s, then takes all 64 MiB.
        var args = await ArgsAsync();
        args.InsertRange(1, ["-o", "ServerAliveInterval=1", "-o", "ServerAliveCountMax=2"]);
        args.Add("head -c 67108864 /dev/zero");
        var ssh = await RunPipedAsync("/usr/bin/ssh", args.Skip(1), "(sleep 5; wc -c)");
        var hop = await RunPipedAsync(TestPaths.HopBinary, args, "(sleep 5; wc -c)");
        Assert.Equal("67108864\n0\n", ssh.Stdout);
        Assert.Equal(ssh.Stdout, hop.Stdout);
        Assert.Equal("", hop.Stderr);
    }

    [Fact]
    public async Task RemoteSignalGivesExit255()
    {
        var args = await ArgsAsync();
        args.Add("kill -KILL $$");
        var r = await HopCli.RunAsync(args);
        Assert.Equal(255, r.ExitCode);
    }

    [Fact]
    public async Task UnknownHostIsRefusedUnderStrictChecking()
    {
        var empty = Path.Combine(_sshd.Directory, "empty_known_hosts");
        File.WriteAllText(empty, "");
        var args = await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, empty);
        args.Add("true");
        var r = await HopCli.RunAsync(args);
        Assert.Equal(255, r.ExitCode);
        Assert.Contains("Host key verification failed.", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangedHostKeyIsRefusedNamingFileAndLine()
    {
        var keys = await TestKeys.DirectoryAsync();
        var wrong = File.ReadAllText(Path.Combine(keys, "id_ed25519.pub")).Trim().Split(' ');
        var path = Path.Combine(_sshd.Directory, "changed_known_hosts");
        File.WriteAllText(path, $"# first line\n[127.0.0.1]:{_sshd.Port} {wrong[0]} {wrong[1]}\n");
        var args = await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, path);
        args.Insert(1, "-o");
        args.Insert(2, "HostKeyAlgorithms=ssh-ed25519");
        args.Add("true");
        var r = await HopCli.RunAsync(args);
        Assert.Equal(255, r.ExitCode);
        Assert.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", r.Stderr, StringComparison.Ordinal);
        Assert.Contains($"{path}:2", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcceptNewLearnsTheKey()
    {
        var path = Path.Combine(_sshd.Directory, "learned_known_hosts");
        var args = await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, path);
        args.Insert(1, "-o");
        args.Insert(2, "StrictHostKeyChecking=accept-new");
        args.Add("true");
        var r = await HopCli.RunAsync(args);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"[127.0.0.1]:{_sshd.Port}", File.ReadAllText(path), StringComparison.Ordinal);
        // OpenSSH's ssh trusts what Hop learned.
        var ssh = await _sshd.OpenSshArgsAsync();
        int i = ssh.IndexOf($"UserKnownHostsFile={_sshd.KnownHostsPath}");
        ssh[i] = $"UserKnownHostsFile={path}";
        ssh.Add("true");
        var o = await ProcessRunner.RunAsync("/usr/bin/ssh", ssh);
        Assert.True(o.ExitCode == 0, o.ToString());
    }

    [Fact]
    public async Task WrongKeyIsPermissionDenied()
    {
        var args = await ArgsAsync();
        var other = Path.Combine(_sshd.Directory, "other_key");
        await ProcessRunner.RunCheckedAsync("/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other);
        args[args.IndexOf("-i") + 1] = other;
        args.Add("true");
        var r = await HopCli.RunAsync(args);
        Assert.Equal(255, r.ExitCode);
        Assert.Contains("Permission denied (publickey,password", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectionRefusedIsOneLine()
    {
        int port = TestPaths.FreeTcpPort();
        var args = await HopCli.SshArgsAsync(port, "nobody", _sshd.KnownHostsPath);
        args.Add("true");
        var r = await HopCli.RunAsync(args);
        Assert.Equal(255, r.ExitCode);
        Assert.Equal($"hop: connect to host 127.0.0.1 port {port}: Connection refused\n", r.Stderr);
    }

    [Theory]
    [InlineData("cipher", "chacha20-poly1305@openssh.com")]
    [InlineData("mac", "hmac-sha2-256-etm@openssh.com")]
    [InlineData("kex", "mlkem768x25519-sha256")]
    [InlineData("key", "ssh-ed25519")]
    public async Task QueryListsSupportedAlgorithms(string what, string expected)
    {
        var r = await HopCli.RunAsync(["ssh", "-Q", what]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains(expected, r.Stdout.Split('\n'));
    }

    [Fact]
    public async Task VerboseLogsTheNegotiation()
    {
        var args = await ArgsAsync();
        args.InsertRange(1, ["-v", "-c", "aes256-gcm@openssh.com", "-o", "KexAlgorithms=curve25519-sha256"]);
        args.Add("true");
        var r = await HopCli.RunAsync(args);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("kex: algorithm: curve25519-sha256", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("cipher: aes256-gcm@openssh.com", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("Authenticated to 127.0.0.1 using \"publickey\"", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetEnvReachesTheServer()
    {
        var args = await ArgsAsync();
        args.InsertRange(1, ["-o", "SetEnv=HOP_GREETING=hi-there"]);
        args.Add("echo $HOP_GREETING");
        var r = await HopCli.RunAsync(args);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("hi-there\n", r.Stdout);
    }

    [Fact]
    public async Task StrictHostKeyCheckingNoLetsAChangedKeyThroughWithoutPasswords()
    {
        var keys = await TestKeys.DirectoryAsync();
        var wrong = File.ReadAllText(Path.Combine(keys, "id_ed25519.pub")).Trim().Split(' ');
        var path = Path.Combine(_sshd.Directory, "changed_known_hosts_no");
        File.WriteAllText(path, $"[127.0.0.1]:{_sshd.Port} {wrong[0]} {wrong[1]}\n");
        var args = await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, path);
        args[args.IndexOf("StrictHostKeyChecking=yes")] = "StrictHostKeyChecking=no";
        args.InsertRange(1, ["-o", "HostKeyAlgorithms=ssh-ed25519"]);
        args.Add("echo through");
        var r = await HopCli.RunAsync(args);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("through\n", r.Stdout);
        Assert.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("Password authentication is disabled", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogLevelDebugFromOptionsLogs()
    {
        var args = await ArgsAsync();
        args.InsertRange(1, ["-o", "LogLevel=DEBUG"]);
        args.Add("true");
        var r = await HopCli.RunAsync(args);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("debug1: kex: algorithm:", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SshUrlDestinationCarriesUserAndPort()
    {
        var args = await ArgsAsync();
        // Replace "-p PORT -l USER 127.0.0.1" with an ssh:// URL.
        int p = args.IndexOf("-p");
        args.RemoveRange(p, 2);
        int l = args.IndexOf("-l");
        args.RemoveRange(l, 2);
        args[^1] = $"ssh://{_sshd.User}@127.0.0.1:{_sshd.Port}";
        args.Add("id -un");
        var r = await HopCli.RunAsync(args);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(_sshd.User + "\n", r.Stdout);
    }
}
