using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Sftp;

/// <summary>`hop sftp -b` against OpenSSH's sshd, side by side with OpenSSH's sftp.</summary>
public class SftpCliTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;
    private string _remote = null!;
    private string _local = null!;

    public async Task InitializeAsync()
    {
        _sshd = await SshdServer.StartAsync();
        _remote = SftpHarness.RemoteDirectory();
        _local = TestPaths.NewTempDir("hop-sftp-local-");
    }

    public async Task DisposeAsync()
    {
        await _sshd.DisposeAsync();
        SftpHarness.DeleteQuietly(_remote, _local);
    }

    private async Task<ProcessResult> RunAsync(string tool, string batch, string cwd)
    {
        string file = Path.Combine(cwd, "batch");
        await File.WriteAllTextAsync(file, batch);
        var args = await SftpHarness.OptionsAsync(_sshd);
        args.AddRange(["-b", file, SftpHarness.Destination(_sshd)]);
        return tool == "hop" ? await SftpHarness.HopAsync("sftp", args, cwd) : await SftpHarness.OpenSshAsync("sftp", args, cwd);
    }

    [Fact]
    public async Task AServerWithoutSftpIsReportedAsOpenSshReportsIt()
    {
        // The INIT goes out right behind the subsystem request: the refusal still ends it cleanly.
        await using var plain = await SshdServer.StartAsync(sftpSubsystem: false);
        var results = new Dictionary<string, ProcessResult>();
        foreach (var tool in new[] { "hop", "openssh" })
        {
            string file = Path.Combine(_local, "batch-" + tool);
            await File.WriteAllTextAsync(file, "pwd\n");
            var args = await SftpHarness.OptionsAsync(plain);
            args.AddRange(["-b", file, SftpHarness.Destination(plain)]);
            results[tool] = tool == "hop" ? await SftpHarness.HopAsync("sftp", args, _local) : await SftpHarness.OpenSshAsync("sftp", args, _local);
        }
        foreach (var r in results.Values)
        {
            Assert.True(r.ExitCode == 255, r.ToString());
            Assert.Contains("subsystem request failed on channel 0", r.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Remote working directory", r.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ErrorsAndEchoMatchOpenSshLineForLine()
    {
        string batch = string.Join('\n',
            "-rm /nonexistent-hop",
            "-bogus",
            "-get /nonexistent-hop",
            "-put /nonexistent-hop",
            "-put local.txt /root/hop-denied",
            "-get /etc/shadow",
            "-cd /etc/hostname",
            "-cd /nonexistent-hop",
            "-mkdir /tmp",
            "-rmdir /nonexistent-hop",
            "-rename /nonexistent-hop /tmp/x",
            "-chmod 644 /nonexistent-hop",
            "-ls /nonexistent-hop",
            "-lcd /nonexistent-hop",
            "pwd",
            "# a comment",
            "",
            "get /nonexistent-hop",
            "pwd") + "\n";
        var results = new Dictionary<string, ProcessResult>();
        foreach (var tool in new[] { "hop", "openssh" })
        {
            string cwd = Path.Combine(_local, tool);
            Directory.CreateDirectory(cwd);
            await File.WriteAllTextAsync(Path.Combine(cwd, "local.txt"), "x");
            results[tool] = await RunAsync(tool, batch, cwd);
        }
        var hop = results["hop"];
        var openssh = results["openssh"];
        Assert.Equal(1, openssh.ExitCode);
        Assert.Equal(openssh.ExitCode, hop.ExitCode);
        Assert.Equal(openssh.Stdout, hop.Stdout);
        // OpenSSH's sftp ends its error lines with CR LF (its log code does that); the words must match.
        Assert.Equal(openssh.Stderr.Replace("\r\n", "\n", StringComparison.Ordinal), hop.Stderr);
    }

    /// <summary>
    /// File names are the server's words: names with terminal control sequences (an OSC 52 clipboard
    /// write, a title change, a screen clear), a backslash and a UTF-8 letter are listed, and named in
    /// errors, escaped exactly as OpenSSH's sftp escapes them; no escape character reaches the terminal.
    /// </summary>
    [Fact]
    public async Task HostileFileNamesAreShownEscapedAsOpenSshShowsThem()
    {
        string dir = Path.Combine(_remote, "names");
        Directory.CreateDirectory(dir);
        foreach (var name in new[] { "a\u001b]52;c;aG9wCg==\u0007b", "t\u001b]0;pwned\u0007", "c\u001b[2Jd", "back\\slash", "caf\u00e9", "bell\u0007bs\u0008del\u007f" })
            await File.WriteAllTextAsync(Path.Combine(dir, name), "x");
        string batch = string.Join('\n', $"ls -1 {dir}", $"-get {dir}/c\u001b[2Jd/nope", $"-rm {dir}/t\u001b]0;pwned\u0007/nope") + "\n";
        var results = new Dictionary<string, ProcessResult>();
        foreach (var tool in new[] { "hop", "openssh" })
        {
            string cwd = Path.Combine(_local, tool);
            Directory.CreateDirectory(cwd);
            results[tool] = await RunAsync(tool, batch, cwd);
        }
        var hop = results["hop"];
        var openssh = results["openssh"];
        Assert.True(openssh.ExitCode == 0, openssh.ToString());
        Assert.True(hop.ExitCode == 0, hop.ToString());
        Assert.Contains("\\033]52;c;", openssh.Stdout, StringComparison.Ordinal);
        Assert.Equal(openssh.Stdout, hop.Stdout);
        Assert.Equal(openssh.Stderr.Replace("\r\n", "\n", StringComparison.Ordinal), hop.Stderr);
        Assert.DoesNotContain('\u001b', hop.Stdout + hop.Stderr);
    }

    [Fact]
    public async Task RecursivePutAndGetOfTwoThousandSmallFiles()
    {
        string tree = Path.Combine(_local, "tree");
        for (int d = 0; d < 20; d++)
        {
            string dir = Path.Combine(tree, $"d{d:00}", "sub");
            Directory.CreateDirectory(dir);
            for (int f = 0; f < 100; f++) await File.WriteAllTextAsync(Path.Combine(dir, $"f{f:000}"), $"file {d}/{f}\n" + new string('x', f * 13));
        }
        await File.WriteAllBytesAsync(Path.Combine(tree, "empty"), []);
        var put = await RunAsync("hop", $"put -r tree {_remote}/up\n", _local);
        Assert.True(put.ExitCode == 0, put.ToString());
        AssertSameTree(tree, Path.Combine(_remote, "up"));
        var get = await RunAsync("hop", $"get -r {_remote}/up down\n", _local);
        Assert.True(get.ExitCode == 0, get.ToString());
        AssertSameTree(tree, Path.Combine(_local, "down"));
        Assert.Equal(2001, Directory.GetFiles(Path.Combine(_local, "down"), "*", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public async Task CommandsChangeTheRemoteSide()
    {
        await File.WriteAllTextAsync(Path.Combine(_local, "a.txt"), "hello\n");
        File.SetLastWriteTimeUtc(Path.Combine(_local, "a.txt"), new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        string batch = string.Join('\n',
            $"cd {_remote}",
            "mkdir sub",
            "put -p a.txt sub/b.txt",
            "chmod 640 sub/b.txt",
            "rename sub/b.txt sub/c.txt",
            "ln -s c.txt sub/link",
            "ls sub",
            "get sub/c.txt back.txt",
            "rm sub/link",
            "df .",
            "bye") + "\n";
        var r = await RunAsync("hop", batch, _local);
        Assert.True(r.ExitCode == 0, r.ToString());
        string c = Path.Combine(_remote, "sub", "c.txt");
        Assert.Equal("hello\n", await File.ReadAllTextAsync(c));
        Assert.Equal((UnixFileMode)0x1A0, File.GetUnixFileMode(c));
        Assert.Equal(new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc), File.GetLastWriteTimeUtc(c));
        Assert.False(File.Exists(Path.Combine(_remote, "sub", "link")));
        Assert.Equal("hello\n", await File.ReadAllTextAsync(Path.Combine(_local, "back.txt")));
        Assert.Contains("sub/c.txt", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("%Capacity", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InteractiveModeReadsCommandsFromStdin()
    {
        await File.WriteAllTextAsync(Path.Combine(_remote, "i.txt"), "interactive\n");
        var args = await SftpHarness.OptionsAsync(_sshd);
        args.Add(SftpHarness.Destination(_sshd));
        var r = await SftpHarness.HopAsync("sftp", args, _local, System.Text.Encoding.UTF8.GetBytes($"cd {_remote}\nget i.txt\nquit\n"));
        Assert.True(r.ExitCode == 0, r.ToString());
        // Without a terminal, OpenSSH's sftp echoes each command after the prompt.
        Assert.StartsWith($"sftp> cd {_remote}\n", r.Stdout, StringComparison.Ordinal);
        Assert.Equal("Connected to 127.0.0.1.\n", r.Stderr);
        Assert.Equal("interactive\n", await File.ReadAllTextAsync(Path.Combine(_local, "i.txt")));
    }

    [Fact]
    public async Task GetCreatesANewFileWithoutTruncatingItAndTruncatesAnOldOne()
    {
        // ext4 takes a truncate to 0 for "replace this file" and writes the whole file back on
        // close; a download into a new file must not truncate it (sftp's O_CREAT|O_TRUNC does not),
        // while one over a longer file must still cut it to the new length.
        await File.WriteAllTextAsync(Path.Combine(_remote, "t.txt"), "short\n");
        string fresh = Path.Combine(_local, "fresh.txt");
        string old = Path.Combine(_local, "old.txt");
        await File.WriteAllTextAsync(old, new string('x', 100_000));
        await File.WriteAllTextAsync(Path.Combine(_local, "batch"), $"get {_remote}/t.txt fresh.txt\nget {_remote}/t.txt old.txt\n");
        string trace = Path.Combine(_local, "trace");
        var args = await SftpHarness.OptionsAsync(_sshd);
        args.AddRange(["-b", Path.Combine(_local, "batch"), SftpHarness.Destination(_sshd)]);
        var r = await ProcessRunner.RunAsync("/usr/bin/strace", ["-f", "-qq", "-y", "-e", "trace=openat,ftruncate", "-o", trace, TestPaths.HopBinary, "sftp", .. args],
            HopCli.IsolatedEnvironment(), [], TimeSpan.FromSeconds(120), _local);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("short\n", await File.ReadAllTextAsync(fresh));
        Assert.Equal("short\n", await File.ReadAllTextAsync(old));
        Assert.Equal(["old.txt"], TruncatedFiles(await File.ReadAllLinesAsync(trace), "fresh.txt", "old.txt"));
    }

    /// <summary>
    /// Which of <paramref name="names"/> an strace -y log of openat/ftruncate shows truncated: opened
    /// with O_TRUNC, or passed to ftruncate (-y prints each descriptor's path, so a line split by
    /// another thread's call still names its file).
    /// </summary>
    private static List<string> TruncatedFiles(string[] trace, params string[] names)
    {
        var truncated = new List<string>();
        foreach (var line in trace)
        {
            foreach (var name in names)
            {
                bool opened = line.Contains("openat(", StringComparison.Ordinal) && line.Contains($"/{name}\"", StringComparison.Ordinal) && line.Contains("O_TRUNC", StringComparison.Ordinal);
                bool cut = line.Contains("ftruncate(", StringComparison.Ordinal) && line.Contains($"/{name}>", StringComparison.Ordinal);
                if (opened || cut) truncated.Add(name);
            }
        }
        return truncated;
    }

    private static void AssertSameTree(string expected, string actual)
    {
        var want = Directory.GetFiles(expected, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(expected, f)).Order(StringComparer.Ordinal).ToList();
        var got = Directory.GetFiles(actual, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(actual, f)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(want, got);
        foreach (var f in want) Assert.Equal(File.ReadAllBytes(Path.Combine(expected, f)), File.ReadAllBytes(Path.Combine(actual, f)));
    }
}
