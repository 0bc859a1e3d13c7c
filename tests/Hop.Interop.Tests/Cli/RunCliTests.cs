using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Cli;

/// <summary>
/// `hop run` beside parallel-ssh (pssh 2.3, which runs OpenSSH's ssh per host), against one sshd
/// reached as several hosts: the same options, reports, output folders and exit statuses.
/// </summary>
public partial class RunCliTests : IAsyncLifetime
{
    private const string ParallelSsh = "/usr/bin/parallel-ssh";
    private SshdServer _sshd = null!;
    private string _key = null!;

    public async Task InitializeAsync()
    {
        _sshd = await SshdServer.StartAsync(["AcceptEnv PSSH_*"]);
        _key = await TestKeys.UserKeyAsync("ed25519");
    }

    public async Task DisposeAsync() => await _sshd.DisposeAsync();

    private string Host => $"127.0.0.1:{_sshd.Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Options both tools take: the test key, strict host key checking, no config file.</summary>
    private List<string> Common(string? knownHosts = null, string checking = "yes") =>
    [
        "-l", _sshd.User, "-x", "-F /dev/null",
        "-O", $"IdentityFile={_key}", "-O", "IdentitiesOnly=yes", "-O", "ConnectTimeout=10",
        "-O", $"UserKnownHostsFile={knownHosts ?? _sshd.KnownHostsPath}", "-O", $"StrictHostKeyChecking={checking}",
    ];

    private static Task<Fixtures.ProcessResult> HopRunAsync(IEnumerable<string> args, IDictionary<string, string?>? env = null, byte[]? stdin = null) =>
        HopCli.RunAsync(["run", .. args], env, stdin);

    private static Task<Fixtures.ProcessResult> ParallelSshAsync(IEnumerable<string> args, byte[]? stdin = null) =>
        ProcessRunner.RunAsync(ParallelSsh, args, HopCli.IsolatedEnvironment(), stdin ?? [], TimeSpan.FromSeconds(60));

    [GeneratedRegex(@"^\[(\d+)\] \d\d:\d\d:\d\d \[(SUCCESS|FAILURE)\] (.*)$")]
    private static partial Regex StatusLine();

    /// <summary>
    /// The report cut into one block per host, each without its "[N] HH:MM:SS" (completion order and
    /// time), sorted; <paramref name="dropStderr"/> leaves out "Stderr: ..." lines (ssh's own words differ from hop's).
    /// </summary>
    private static List<string> Blocks(string report, bool dropStderr = false)
    {
        var blocks = new List<string>();
        foreach (var line in report.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var m = StatusLine().Match(line);
            if (m.Success) blocks.Add($"[{m.Groups[2].Value}] {m.Groups[3].Value}");
            else if (blocks.Count == 0) throw new Xunit.Sdk.XunitException($"output before the first status line: {report}");
            else if (!(dropStderr && line.StartsWith("Stderr: ", StringComparison.Ordinal))) blocks[^1] += "\n" + line;
        }
        blocks.Sort(StringComparer.Ordinal);
        return blocks;
    }

    [Fact]
    public async Task ReportsAndExitStatusAreParallelSshsForAHostsFile()
    {
        var dir = TestPaths.NewTempDir();
        string hosts = Path.Combine(dir, "hosts");
        int closed = TestPaths.FreeTcpPort();
        File.WriteAllText(hosts, $"""
            # the fleet
            {Host}

            {_sshd.User}@{Host}    # the user -l names anyway
            127.0.0.1:{closed.ToString(CultureInfo.InvariantCulture)}
            """);
        List<string> args = ["-h", hosts, "-i", .. Common(), "echo node $PSSH_NODENUM of $PSSH_NUMNODES on $PSSH_HOST; echo to-stderr >&2"];
        var hop = await HopRunAsync(args);
        var pssh = await ParallelSshAsync(args);

        Assert.True(hop.ExitCode == 4, hop.ToString());
        Assert.True(pssh.ExitCode == 4, pssh.ToString());
        Assert.Equal(Blocks(pssh.Stdout, dropStderr: true), Blocks(hop.Stdout, dropStderr: true));
        Assert.Contains($"[SUCCESS] {Host}\nnode 0 of 3 on 127.0.0.1\nStderr: to-stderr", Blocks(hop.Stdout));
        Assert.Contains($"[SUCCESS] {Host}\nnode 1 of 3 on 127.0.0.1\nStderr: to-stderr", Blocks(hop.Stdout));
        Assert.Contains($"[FAILURE] 127.0.0.1:{closed} Exited with error code 255\nStderr: hop: connect to host 127.0.0.1 port {closed}: Connection refused",
            Blocks(hop.Stdout));
        // The [N] of the status lines counts hosts as they end: 1, 2, 3.
        Assert.Equal(["1", "2", "3"], hop.Stdout.Split('\n').Select(l => StatusLine().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value));
    }

    [Fact]
    public async Task OutputFoldersHoldWhatParallelSshWrites()
    {
        var dir = TestPaths.NewTempDir();
        // The same host twice (a ".1" file for the second), and as root: a name with "root@".
        string hosts = $"{Host} {Host} root@{Host}";
        List<string> Args(string tool) =>
            ["-H", hosts, "-o", Path.Combine(dir, tool, "out"), "-e", Path.Combine(dir, tool, "err"), .. Common(),
             "echo out $PSSH_NODENUM; echo err $(id -un) >&2; exit $PSSH_NODENUM"];
        var hop = await HopRunAsync(Args("hop"));
        var pssh = await ParallelSshAsync(Args("pssh"));

        Assert.True(hop.ExitCode == 5, hop.ToString());
        Assert.True(pssh.ExitCode == 5, pssh.ToString());
        Assert.Equal(Blocks(pssh.Stdout), Blocks(hop.Stdout));
        foreach (var stream in new[] { "out", "err" })
        {
            var expected = Files(Path.Combine(dir, "pssh", stream));
            Assert.Equal(3, expected.Count);
            Assert.Equal(expected, Files(Path.Combine(dir, "hop", stream)));
        }
        Assert.Equal("err root\n", File.ReadAllText(Path.Combine(dir, "hop", "err", $"root@{Host}")));

        static Dictionary<string, string> Files(string folder) =>
            Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), File.ReadAllText, StringComparer.Ordinal);
    }

    [Fact]
    public async Task AHostNameCannotWriteOutsideTheOutputFolder()
    {
        var dir = TestPaths.NewTempDir();
        string outDir = Path.Combine(dir, "out");
        var hop = await HopRunAsync(["-H", "../escaped", "-o", outDir, "-e", outDir, .. Common(), "true"]);

        Assert.True(hop.ExitCode == 4, hop.ToString());
        Assert.Equal(["out"], Directory.GetFileSystemEntries(dir).Select(Path.GetFileName));
        Assert.Equal([".._escaped"], Directory.GetFiles(outDir).Select(Path.GetFileName));
    }

    [Fact]
    public async Task TimeoutKillsEachHostAsParallelSshDoes()
    {
        List<string> args = ["-H", $"{Host} {Host}", "-t", "1", "-i", .. Common(), "echo started; sleep 30"];
        var hop = await HopRunAsync(args);
        var pssh = await ParallelSshAsync(args);

        Assert.True(hop.ExitCode == 3, hop.ToString());
        Assert.True(pssh.ExitCode == 3, pssh.ToString());
        // parallel-ssh adds "Killed by signal 9" when it reaps its ssh before it reports, so not always.
        Assert.All(Blocks(pssh.Stdout), b => Assert.StartsWith($"[FAILURE] {Host} Timed out", b, StringComparison.Ordinal));
        Assert.Equal([$"[FAILURE] {Host} Timed out, Killed by signal 9\nstarted", $"[FAILURE] {Host} Timed out, Killed by signal 9\nstarted"], Blocks(hop.Stdout));
    }

    [Fact]
    public async Task InterruptEndsTheRunningHostsAndCancelsTheWaitingOnes()
    {
        // Two hosts at a time (-p 2) of three: once both print, Ctrl-C (SIGINT) reaches hop.
        // Through env --default-signal=INT, which then runs hop in its own place (same pid): a suite
        // started in the background of a non-interactive shell has SIGINT ignored, and hop, as any
        // program (parallel-ssh too), keeps an ignored SIGINT ignored.
        var psi = new System.Diagnostics.ProcessStartInfo("/usr/bin/env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in (List<string>)["--default-signal=INT", TestPaths.HopBinary, "run", "-H", $"{Host} {Host} {Host}", "-p", "2", "-t", "0", "-P", .. Common(), "echo started; exec sleep 60"])
            psi.ArgumentList.Add(a);
        foreach (var (k, v) in HopCli.IsolatedEnvironment()) psi.Environment.Remove(k);
        using var hop = System.Diagnostics.Process.Start(psi)!;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stderr = hop.StandardError.ReadToEndAsync(deadline.Token);
        var lines = new List<string>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan? interrupted = null;
        try
        {
            while (lines.Count(l => l.EndsWith(": started", StringComparison.Ordinal)) < 2)
                lines.Add(await hop.StandardOutput.ReadLineAsync(deadline.Token) ?? throw new Xunit.Sdk.XunitException($"hop ended early: {string.Join('\n', lines)} {await stderr}"));
            await ProcessRunner.RunAsync("/bin/kill", ["-INT", hop.Id.ToString(CultureInfo.InvariantCulture)]);
            interrupted = clock.Elapsed;
            lines.AddRange((await hop.StandardOutput.ReadToEndAsync(deadline.Token)).Split('\n', StringSplitOptions.RemoveEmptyEntries));
            await hop.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException e)
        {
            // Say how far it got: the two hosts' start, and when the interrupt went.
            throw new Xunit.Sdk.XunitException($"no end within 60 s (interrupted at {interrupted?.TotalSeconds:0.0} s, exited: {hop.HasExited}): {string.Join('\n', lines)}", e);
        }
        finally
        {
            if (!hop.HasExited) hop.Kill(entireProcessTree: true);
        }

        Assert.True(hop.ExitCode == 3, $"exit {hop.ExitCode}: {string.Join('\n', lines)} {await stderr}");
        // As parallel-ssh reports them: the interrupted hosts, then the one that never started.
        Assert.Equal(
            [$"[1] [FAILURE] {Host} Interrupted", $"[2] [FAILURE] {Host} Interrupted", $"[3] [FAILURE] {Host} Cancelled"],
            lines.Select(l => StatusLine().Match(l)).Where(m => m.Success).Select(m => $"[{m.Groups[1].Value}] [{m.Groups[2].Value}] {m.Groups[3].Value}"));
    }

    [Fact]
    public async Task SendInputGivesEveryHostAllOfStandardInput()
    {
        var data = RandomNumberGenerator.GetBytes(300 * 1024 + 7);
        string hash = Convert.ToHexStringLower(SHA256.HashData(data));
        var hop = await HopRunAsync(["-H", $"{Host} {Host} {Host}", "-I", "--inline-stdout", .. Common(), "sha256sum"], stdin: data);

        Assert.True(hop.ExitCode == 0, hop.ToString());
        Assert.Equal(Enumerable.Repeat($"[SUCCESS] {Host}\n{hash}  -", 3), Blocks(hop.Stdout));
    }

    [Fact]
    public async Task PrintShowsEachLineAsItComesAfterTheHostsName()
    {
        var hop = await HopRunAsync(["-H", Host, "-P", .. Common(), "printf 'one\\ntwo\\nthree'"]);

        Assert.True(hop.ExitCode == 0, hop.ToString());
        var lines = hop.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["127.0.0.1: one", "127.0.0.1: two", "127.0.0.1: three"], lines[..3]);
        Assert.Matches(StatusLine(), lines[3]);
    }

    [Fact]
    public async Task PasswordAskedOnceServesEveryHost()
    {
        var dir = TestPaths.NewTempDir();
        string count = Path.Combine(dir, "count");
        string askpass = Path.Combine(dir, "askpass");
        File.WriteAllText(askpass, $"#!/bin/sh\necho x >> {count}\necho '{TestUser.Password}'\n");
        File.SetUnixFileMode(askpass, (UnixFileMode)0b111_000_000);
        var env = new Dictionary<string, string?> { ["SSH_ASKPASS"] = askpass, ["SSH_ASKPASS_REQUIRE"] = "force" };
        var hop = await HopRunAsync(
            ["-H", $"{Host} {Host} {Host} {Host}", "-A", "-i", .. Common(), "-O", "PubkeyAuthentication=no", "-O", "PreferredAuthentications=password", "id -un"], env);

        Assert.True(hop.ExitCode == 0, hop.ToString());
        Assert.Equal(Enumerable.Repeat($"[SUCCESS] {Host}\n{_sshd.User}", 4), Blocks(hop.Stdout));
        Assert.Single(File.ReadAllLines(count));
    }

    [Fact]
    public async Task AcceptNewLearnsEveryHostAtOnceAndAskNeverWaitsForAnAnswer()
    {
        var dir = TestPaths.NewTempDir();
        // Eight names for one server, each with its own known_hosts name (HostKeyAlias).
        string config = Path.Combine(dir, "config");
        File.WriteAllText(config, string.Concat(Enumerable.Range(0, 8).Select(i =>
            $"Host vm{i}\n  HostName 127.0.0.1\n  Port {_sshd.Port}\n  HostKeyAlias alias{i}\n")));
        string names = string.Join(' ', Enumerable.Range(0, 8).Select(i => $"vm{i}"));
        string learned = Path.Combine(dir, "known_hosts");
        List<string> Args(string knownHosts, string checking) =>
            ["-H", names, .. Common(knownHosts, checking), "-x", $"-F {config}", "true"];

        var hop = await HopRunAsync(Args(learned, "accept-new"));
        Assert.True(hop.ExitCode == 0, hop.ToString());
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"alias{i}"), File.ReadAllLines(learned).Select(l => l.Split(' ')[0]).Order(StringComparer.Ordinal));

        // "ask" with nobody to ask: each host fails as under BatchMode, and nothing is learned.
        string empty = Path.Combine(dir, "empty");
        File.WriteAllText(empty, "");
        var ask = await HopRunAsync(["-i", .. Args(empty, "ask")]);
        Assert.True(ask.ExitCode == 4, ask.ToString());
        Assert.All(Blocks(ask.Stdout), b => Assert.Contains("Exited with error code 255\nStderr: No ED25519 host key is known for alias", b, StringComparison.Ordinal));
        Assert.All(Blocks(ask.Stdout), b => Assert.EndsWith("hop: Host key verification failed.", b, StringComparison.Ordinal));
        Assert.Equal("", File.ReadAllText(empty));
    }

    [Fact]
    public async Task GlobFiltersTheHostsFileAndABadLineIsReportedAndSkipped()
    {
        var dir = TestPaths.NewTempDir();
        string hosts = Path.Combine(dir, "hosts");
        File.WriteAllText(hosts, $"{Host}\nnever.invalid:22\n{Host} one two\n");
        var hop = await HopRunAsync(["-h", hosts, "-g", "127.*", .. Common(), "true"]);

        Assert.True(hop.ExitCode == 0, hop.ToString());
        Assert.Equal([$"[SUCCESS] {Host}"], Blocks(hop.Stdout));
        Assert.Contains($"Bad line: \"{Host} one two\"", hop.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, "Command not specified.", "-H", "127.0.0.1")]
    [InlineData(2, "Hosts not specified.", "true")]
    [InlineData(2, "no such option: -Z", "-Z", "-H", "127.0.0.1", "true")]
    [InlineData(2, "-p: invalid number 'many'", "-p", "many", "-H", "127.0.0.1", "true")]
    [InlineData(2, "no closing quotation", "-x", "-o 'Port=1", "-H", "127.0.0.1", "true")]
    [InlineData(1, "hop run: could not open hosts file:", "-h", "/nonexistent/hosts", "true")]
    public async Task BadCommandLinesExitAsParallelSshDoes(int status, string message, params string[] args)
    {
        var hop = await HopRunAsync(args);
        Assert.True(hop.ExitCode == status, hop.ToString());
        Assert.Contains(message, hop.Stderr, StringComparison.Ordinal);
        Assert.Equal("", hop.Stdout);
    }
}
