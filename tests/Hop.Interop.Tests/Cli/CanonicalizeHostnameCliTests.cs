using System.Globalization;
using Hop.Interop.Tests.Fixtures;
using Hop.Interop.Tests.Keys;
using Hop.Ssh.Config;

namespace Hop.Interop.Tests.Cli;

/// <summary>
/// CanonicalizeHostname beside OpenSSH's ssh, against the system resolver: both run in a mount namespace of their own
/// (unshare --mount) whose /etc/hosts names a few hosts under .test, all 127.0.0.1, so nothing outside the test sees
/// them. A name listed twice (with and without its final dot) resolves in both forms, as ssh looks up "box.example.test.";
/// an alias on a line has the line's first name as its canonical name, as a CNAME has its target.
/// </summary>
public sealed class CanonicalizeHostnameCliTests : IAsyncLifetime
{
    private const string OpenSsh = "/usr/bin/ssh";
    private readonly TempDir _dir = new();
    private SshdServer _sshd = null!;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_dir["hosts"],
            "127.0.0.1 localhost\n" +
            "127.0.0.1 box.example.test box.example.test.\n" +
            "127.0.0.1 a.b.example.test a.b.example.test.\n" +
            "127.0.0.1 real.example.test real.example.test. alias.example.test alias.example.test.\n");
        _sshd = await SshdServer.StartAsync(hostKeys: ["ed25519"]);
        // The host key is known only under the canonical name.
        string known = await File.ReadAllTextAsync(_sshd.KnownHostsPath);
        await File.WriteAllTextAsync(_dir["known_hosts"], known.Replace("[127.0.0.1]", "[box.example.test]", StringComparison.Ordinal));
        // Only the canonical name's block says where and how to log in.
        await File.WriteAllTextAsync(_dir["config"],
            "CanonicalizeHostname yes\n" +
            "CanonicalDomains nothere.test example.test\n" +
            "Host box.example.test\n" +
            $"  Port {_sshd.Port.ToString(CultureInfo.InvariantCulture)}\n" +
            $"  User {_sshd.User}\n" +
            $"  IdentityFile {await TestKeys.UserKeyAsync()}\n" +
            "  IdentitiesOnly yes\n" +
            $"  UserKnownHostsFile {_dir["known_hosts"]}\n" +
            "  StrictHostKeyChecking yes\n" +
            "Host *\n" +
            "  BatchMode yes\n" +
            "  ConnectTimeout 10\n" +
            "  GlobalKnownHostsFile /dev/null\n");
    }

    public async Task DisposeAsync()
    {
        await _sshd.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>Runs ssh or hop's ssh with the test's /etc/hosts.</summary>
    private Task<ProcessResult> RunAsync(string program, params string[] args)
    {
        string[] command = program == "hop" ? [TestPaths.HopBinary, "ssh", .. args] : [OpenSsh, .. args];
        return ProcessRunner.RunAsync("/usr/bin/unshare",
            ["--mount", "/bin/sh", "-c", "mount --bind \"$0\" /etc/hosts && exec \"$@\"", _dir["hosts"], .. command],
            HopCli.IsolatedEnvironment(), [], TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task The_namespace_resolves_the_test_names()
    {
        var r = await ProcessRunner.RunAsync("/usr/bin/unshare",
            ["--mount", "/bin/sh", "-c", "mount --bind \"$0\" /etc/hosts && exec getent hosts box.example.test. alias.example.test", _dir["hosts"]],
            timeout: TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("127.0.0.1       box.example.test", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("127.0.0.1       real.example.test", lines[1], StringComparison.Ordinal);
    }

    /// <summary>ssh -G canonicalizes too (the dump follows it): the two dumps, keyword for keyword, as the corpus compares them.</summary>
    [Theory]
    [InlineData("box")]
    [InlineData("box", "-o", "CanonicalizeHostname=no")]
    [InlineData("a.b")]
    [InlineData("a.b", "-o", "CanonicalizeMaxDots=0")]
    [InlineData("nosuch")]
    [InlineData("box.example.test.")]
    [InlineData("alias")]
    [InlineData("alias", "-o", "CanonicalizePermittedCNAMEs=*.example.test:real.*")]
    [InlineData("alias", "-o", "CanonicalizePermittedCNAMEs=*.example.test:other.*")]
    [InlineData("box", "-o", "ProxyCommand=nc %h %p")]
    [InlineData("box", "-o", "ProxyCommand=nc %h %p", "-o", "CanonicalizeHostname=always")]
    public async Task Dump_matches_ssh_G(string host, params string[] options)
    {
        string[] args = ["-G", .. options, "-F", _dir["config"], host];
        var ssh = await RunAsync(OpenSsh, args);
        var hop = await RunAsync("hop", args);
        Assert.True(ssh.ExitCode == 0, ssh.ToString());
        Assert.True(hop.ExitCode == 0, hop.ToString());
        string[] algorithms = ["ciphers", "macs", "kexalgorithms", "hostkeyalgorithms", "pubkeyacceptedalgorithms"];
        static string Comparable(string dump, string[] skip) => string.Join('\n', dump.Split('\n')
            .Where(l => l.Length > 0 && ConfigDump.Keywords.Contains(l.Split(' ')[0]) && !skip.Contains(l.Split(' ')[0])));
        Assert.Equal(Comparable(ssh.Stdout, algorithms), Comparable(hop.Stdout, algorithms));
    }

    [Fact]
    public async Task The_canonical_name_is_what_both_print()
    {
        var hop = await RunAsync("hop", "-G", "-F", _dir["config"], "box");
        Assert.Contains("\nhostname box.example.test\n", hop.Stdout, StringComparison.Ordinal);
        Assert.Contains($"\nport {_sshd.Port.ToString(CultureInfo.InvariantCulture)}\n", hop.Stdout, StringComparison.Ordinal);
        Assert.Contains("\ncanonicaldomains nothere.test example.test\n", hop.Stdout, StringComparison.Ordinal);
    }

    /// <summary>Port, user, key and known_hosts come only from "Host box.example.test": the login works only if the files were read again.</summary>
    [Theory]
    [InlineData("hop")]
    [InlineData(OpenSsh)]
    public async Task Logs_in_with_the_options_of_the_canonical_name(string program)
    {
        var r = await RunAsync(program, "-v", "-F", _dir["config"], "box", "echo in");
        Assert.True(r.ExitCode == 0 && r.Stdout == "in\n", r.ToString());
        Assert.Contains("debug1: Canonicalized hostname \"box\" => \"box.example.test\"", r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hop")]
    [InlineData(OpenSsh)]
    public async Task Without_fallback_an_unresolved_name_fails_as_ssh_fails(string program)
    {
        var r = await RunAsync(program, "-o", "CanonicalizeFallbackLocal=no", "-F", _dir["config"], "nosuch", "echo in");
        Assert.Equal(255, r.ExitCode);
        string name = program == "hop" ? "hop" : "ssh";
        Assert.Equal($"{name}: Could not resolve host \"nosuch\"\n", r.Stderr.Replace("\r", "", StringComparison.Ordinal));
        Assert.Empty(r.Stdout);
    }

    [Theory]
    [InlineData("hop")]
    [InlineData(OpenSsh)]
    public async Task With_fallback_the_plain_name_is_tried_and_fails_to_resolve(string program)
    {
        var r = await RunAsync(program, "-F", _dir["config"], "nosuch", "echo in");
        Assert.Equal(255, r.ExitCode);
        string name = program == "hop" ? "hop" : "ssh";
        Assert.Equal($"{name}: Could not resolve hostname nosuch: Name or service not known\n", r.Stderr.Replace("\r", "", StringComparison.Ordinal));
    }
}
