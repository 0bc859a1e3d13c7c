using Hop.Ssh.Config;

namespace Hop.Ssh.Tests.Config;

public class ConfigTokenizerTests
{
    [Theory]
    [InlineData("Port 22", "Port", "22")]
    [InlineData("Port=22", "Port", "22")]
    [InlineData("Port = 22", "Port", "22")]
    [InlineData("  Port\t=\t22  ", "Port", "22")]
    [InlineData("Port =22", "Port", "22")]
    [InlineData("Port ==22", "Port", "=22")]
    [InlineData("\"Port\" 22", "Port", "22")]
    [InlineData("ProxyCommand ssh -W %h:%p gw", "ProxyCommand", "ssh -W %h:%p gw")]
    public void Keyword_and_rest(string line, string keyword, string rest)
    {
        Assert.True(ConfigTokenizer.SplitKeyword(line, out string k, out string r));
        Assert.Equal(keyword, k);
        Assert.Equal(rest, r);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("# comment")]
    [InlineData("   # indented comment")]
    [InlineData("\t\f")]
    public void Blank_and_comment_lines_are_skipped(string line) =>
        Assert.False(ConfigTokenizer.SplitKeyword(line, out _, out _));

    [Theory]
    [InlineData("a b c", new[] { "a", "b", "c" })]
    [InlineData("\"a b\" c", new[] { "a b", "c" })]
    [InlineData("'a b' \"c'd\"", new[] { "a b", "c'd" })]
    [InlineData("a\\ b", new[] { "a b" })]
    [InlineData("a\\\"b", new[] { "a\"b" })]
    [InlineData("a\\xb", new[] { "a\\xb" })]
    [InlineData("a # comment", new[] { "a" })]
    [InlineData("a#b c", new[] { "a#b", "c" })]
    [InlineData("pre\"mid dle\"post", new[] { "premid dlepost" })]
    [InlineData("\"\"", new[] { "" })]
    public void Arguments_split_like_argv_split(string rest, string[] expected) =>
        Assert.Equal(expected, ConfigTokenizer.SplitArguments(rest));

    [Theory]
    [InlineData("\"unterminated")]
    [InlineData("a 'b")]
    public void Unclosed_quotes_are_rejected(string rest) => Assert.Null(ConfigTokenizer.SplitArguments(rest));
}

public class SshPatternTests
{
    [Theory]
    [InlineData("host", "host", true)]
    [InlineData("host", "h*", true)]
    [InlineData("host", "h?st", true)]
    [InlineData("host", "h?t", false)]
    [InlineData("a.b.example.com", "*.example.com", true)]
    [InlineData("example.com", "*.example.com", false)]
    [InlineData("", "*", true)]
    [InlineData("abc", "*a*b*c*", true)]
    [InlineData("abd", "*a*b*c*", false)]
    [InlineData("Host", "host", false)]
    public void Glob(string text, string pattern, bool expected) => Assert.Equal(expected, SshPattern.Match(text, pattern));

    [Theory]
    [InlineData("a.example.com", "*.example.com,!bad.example.com", 1)]
    [InlineData("bad.example.com", "*.example.com,!bad.example.com", -1)]
    [InlineData("other", "*.example.com,!bad.example.com", 0)]
    [InlineData("x", "!y", 0)]
    [InlineData("HOST", "host", 1)]
    public void Host_lists(string host, string list, int expected) => Assert.Equal(expected, SshPattern.MatchHostName(host, list));
}
