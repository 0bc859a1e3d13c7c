using Hop.Ssh.Config;

namespace Hop.Ssh.Tests.Config;

/// <summary>
/// CanonicalizeHostname and its companions, with a stand-in resolver that knows a few names (as OpenSSH's ssh.c
/// resolve_canonicalize and check_follow_cname do it); the same against the real resolver and ssh is in the interop tests.
/// </summary>
public sealed class CanonicalizeHostnameTests : ConfigTestBase
{
    /// <summary>Names the stand-in resolver knows, with their canonical names; every lookup is recorded.</summary>
    private readonly Dictionary<string, string> _names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["box.example.test."] = "box.example.test",
        ["a.b.c.example.test."] = "a.b.c.example.test",
        ["alias.example.test."] = "real.other.test",
        ["plain"] = "plain.cname.test",
    };

    private readonly List<string> _lookups = [];
    private readonly List<string> _log = [];

    public CanonicalizeHostnameTests()
    {
        LookupHost = (name, _) =>
        {
            _lookups.Add(name);
            return _names.TryGetValue(name, out string? canonical) ? new HostLookup(canonical, null) : new HostLookup(null, "Name or service not known");
        };
        Log = (level, line) => _log.Add($"{level} {line}");
    }

    private ResolvedConfig Canon(string host, string configText, params string[] commandLine) => Resolve(host, configText, commandLine);

    private const string BoxBlock = "Host box.example.test\n  Port 2222\n  User canonuser\n";

    [Fact]
    public void Off_by_default_and_nothing_is_looked_up()
    {
        var c = Canon("box", "CanonicalDomains example.test\n" + BoxBlock);
        Assert.Equal("box", c.HostName);
        Assert.Equal(22, c.Port);
        Assert.Empty(_lookups);
        Assert.Equal(CanonicalizeHostname.No, c.CanonicalizeHostname);
        Assert.True(c.CanonicalizeFallbackLocal);
        Assert.Equal(1, c.CanonicalizeMaxDots);
    }

    [Fact]
    public void Each_domain_is_tried_in_turn_and_the_config_is_read_again_for_the_name_that_resolved()
    {
        var c = Canon("Box", "CanonicalizeHostname yes\nCanonicalDomains nothere.test Example.TEST.\n" + BoxBlock);
        Assert.Equal(["box.nothere.test.", "box.example.test."], _lookups);
        Assert.Equal("box.example.test", c.HostName);
        Assert.Equal("Box", c.OriginalHost);
        Assert.Equal(2222, c.Port);
        Assert.Equal("canonuser", c.User);
        Assert.Equal(["nothere.test", "example.test"], c.CanonicalDomains);
        Assert.Contains("1 Canonicalized hostname \"box\" => \"box.example.test\"", _log);
        Assert.Contains("1 re-parsing configuration", _log);
    }

    [Fact]
    public void Match_canonical_and_host_see_the_canonical_name_in_the_second_pass()
    {
        var c = Canon("box", "CanonicalizeHostname yes\nCanonicalDomains example.test\nMatch canonical host box.example.test\n  User matched\nMatch !canonical\n  Port 1\n");
        Assert.Equal("matched", c.User);
        Assert.Equal(1, c.Port);
    }

    [Fact]
    public void Names_with_more_dots_than_CanonicalizeMaxDots_are_left_alone()
    {
        var c = Canon("a.b.c", "CanonicalizeHostname yes\nCanonicalDomains example.test\nCanonicalizeFallbackLocal no\n");
        Assert.Equal("a.b.c", c.HostName);
        Assert.Empty(_lookups);
        Assert.Contains("3 resolve_canonicalize: not canonicalizing hostname \"a.b.c\" (max dots 1)", _log);
        c = Canon("a.b.c", "CanonicalizeHostname yes\nCanonicalDomains example.test\nCanonicalizeMaxDots 2\n");
        Assert.Equal("a.b.c.example.test", c.HostName);
    }

    [Fact]
    public void Without_fallback_an_unresolved_name_is_refused_as_ssh_refuses_it()
    {
        var e = Assert.Throws<SshConnectionException>(() =>
            Canon("nosuch", "CanonicalizeHostname yes\nCanonicalDomains example.test\nCanonicalizeFallbackLocal no\n"));
        Assert.Equal("Could not resolve host \"nosuch\"", e.Message);
        var c = Canon("nosuch", "CanonicalizeHostname yes\nCanonicalDomains example.test\n");
        Assert.Equal("nosuch", c.HostName);
    }

    [Fact]
    public void A_name_ending_in_a_dot_is_looked_up_as_it_is()
    {
        var c = Canon("box.example.test.", "CanonicalizeHostname yes\nCanonicalDomains other.test\n" + BoxBlock);
        Assert.Equal(["box.example.test."], _lookups);
        Assert.Equal("box.example.test", c.HostName);
        Assert.Equal(2222, c.Port);
    }

    [Fact]
    public void Through_a_proxy_only_always_canonicalizes()
    {
        Assert.Equal("box", Canon("box", "CanonicalizeHostname yes\nCanonicalDomains example.test\nProxyCommand nc %h %p\n").HostName);
        Assert.Equal("box", Canon("box", "CanonicalizeHostname yes\nCanonicalDomains example.test\nProxyJump none\n").HostName);
        Assert.Equal("box.example.test", Canon("box", "CanonicalizeHostname yes\nCanonicalDomains example.test\nProxyCommand none\n").HostName);
        Assert.Equal("box.example.test", Canon("box", "CanonicalizeHostname always\nCanonicalDomains example.test\nProxyJump jump\n").HostName);
    }

    [Fact]
    public void Addresses_are_not_canonicalized()
    {
        var c = Canon("127.0.0.1", "CanonicalizeHostname yes\nCanonicalDomains example.test\nCanonicalizeFallbackLocal no\n");
        Assert.Equal("127.0.0.1", c.HostName);
        Assert.Empty(_lookups);
    }

    [Fact]
    public void A_permitted_CNAME_replaces_the_name()
    {
        var c = Canon("alias", "CanonicalizeHostname yes\nCanonicalDomains example.test\nCanonicalizePermittedCNAMEs *.example.test:*.other.test\n");
        Assert.Equal("real.other.test", c.HostName);
        Assert.Contains("1 Canonicalized DNS aliased hostname \"alias.example.test\" => \"real.other.test\"", _log);
        c = Canon("alias", "CanonicalizeHostname yes\nCanonicalDomains example.test\nCanonicalizePermittedCNAMEs *.example.test:*.elsewhere.test\n");
        Assert.Equal("alias.example.test", c.HostName);
    }

    [Fact]
    public void With_CNAME_rules_a_name_not_canonicalized_is_still_looked_up()
    {
        // Canonicalization off: looked up (and refused when it does not resolve), but not replaced.
        var c = Canon("plain", "CanonicalizePermittedCNAMEs *:*\n");
        Assert.Equal("plain", c.HostName);
        Assert.Equal(["plain"], _lookups);
        var e = Assert.Throws<SshConnectionException>(() => Canon("nosuch", "CanonicalizePermittedCNAMEs *:*\n"));
        Assert.Equal("Could not resolve hostname nosuch: Name or service not known", e.Message);
        // Through a proxy the name is for the proxy to resolve.
        Assert.Equal("nosuch", Canon("nosuch", "CanonicalizePermittedCNAMEs *:*\nProxyCommand nc %h %p\n").HostName);
        // On, with no domain that resolves: the plain name's CNAME is followed.
        c = Canon("plain", "CanonicalizeHostname yes\nCanonicalizePermittedCNAMEs *:*.cname.test\n");
        Assert.Equal("plain.cname.test", c.HostName);
    }

    [Theory]
    [InlineData("CanonicalDomains a.test none", "keyword canonicaldomains \"none\" argument must appear alone.")]
    [InlineData("CanonicalDomains .a", "domain name \".a\" starts with invalid character")]
    [InlineData("CanonicalDomains A..B", "domain name \"a..B\" contains consecutive separators")]
    [InlineData("CanonicalDomains AB/CD", "domain name \"ab/CD\" contains invalid characters")]
    [InlineData("CanonicalDomains \"\"", "keyword canonicaldomains empty argument")]
    [InlineData("CanonicalizePermittedCNAMEs AB", "Invalid permitted CNAME \"ab\"")]
    [InlineData("CanonicalizePermittedCNAMEs a:", "Invalid permitted CNAME \"a:\"")]
    [InlineData("CanonicalizePermittedCNAMEs none a:b", "keyword canonicalizepermittedcnames \"none\" argument must appear alone.")]
    [InlineData("CanonicalizeHostname maybe", "unsupported option \"maybe\".")]
    [InlineData("CanonicalizeFallbackLocal maybe", "unsupported option \"maybe\".")]
    [InlineData("CanonicalizeMaxDots x", "integer value invalid.")]
    [InlineData("CanonicalizeMaxDots -1", "integer value too small.")]
    [InlineData("CanonicalizeMaxDots 99999999999", "integer value too large.")]
    [InlineData("ConnectionAttempts 1x", "integer value invalid.")]
    public void Bad_values_are_refused_with_ssh_s_words(string line, string message)
    {
        var e = Assert.Throws<SshConfigException>(() => Resolve("h", "Host nomatch\n" + line + "\n"));
        Assert.Equal($"{Path.Combine(Dir, "config")} line 2: {message}", e.Message);
    }

    [Fact]
    public void At_most_32_suffixes_and_CNAME_rules_on_the_line_that_sets_them()
    {
        string domains = string.Join(' ', Enumerable.Range(1, 33).Select(i => $"d{i}.test"));
        string rules = string.Join(' ', Enumerable.Repeat("a:b", 33));
        string config = Path.Combine(Dir, "config");
        Assert.Equal($"{config} line 1: too many hostname suffixes.",
            Assert.Throws<SshConfigException>(() => Resolve("h", $"CanonicalDomains {domains}\n")).Message);
        Assert.Equal($"{config} line 1: too many permitted CNAMEs.",
            Assert.Throws<SshConfigException>(() => Resolve("127.0.0.1", $"CanonicalizePermittedCNAMEs {rules}\n")).Message);
        Assert.Empty(Resolve("h", $"Host nomatch\nCanonicalDomains {domains}\n").CanonicalDomains);
        Assert.Single(Resolve("127.0.0.1", $"CanonicalizePermittedCNAMEs a:b\nCanonicalizePermittedCNAMEs {rules}\n").CanonicalizePermittedCnames);
    }

    [Fact]
    public void Values_read_as_ssh_reads_them()
    {
        var c = Resolve("127.0.0.1", "CanonicalizeHostname ALWAYS\nCanonicalDomains none\nCanonicalizeMaxDots +3\nCanonicalizeFallbackLocal no\n" +
            "CanonicalizePermittedCNAMEs *.A.test:*.b.test,*.c.test * :x a:b:c\nCanonicalizePermittedCNAMEs ignored:x\nConnectionAttempts +2\n",
            "ProxyCommand=none");
        Assert.Equal(CanonicalizeHostname.Always, c.CanonicalizeHostname);
        Assert.Empty(c.CanonicalDomains);
        Assert.Equal(3, c.CanonicalizeMaxDots);
        Assert.False(c.CanonicalizeFallbackLocal);
        Assert.Equal(["*.a.test:*.b.test,*.c.test", "*:*", ":x", "a:b:c"], c.CanonicalizePermittedCnames.Select(r => r.ToString()));
        Assert.Equal(2, c.ConnectionAttempts);
    }
}
