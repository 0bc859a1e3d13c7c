using Hop.Ssh.Config;

namespace Hop.Ssh.Tests.Config;

/// <summary>CommandLineNames: ssh's valid_hostname and valid_ruser (CVE-2023-51385), one character class at a time.</summary>
public class CommandLineNamesTests
{
    [Theory]
    [InlineData("example.com")]
    [InlineData("a_b-c.d")]
    [InlineData("::1")]
    [InlineData("fe80::1%eth0")]
    [InlineData("[::1]")]
    [InlineData("h@x")]
    public void HostNamesThatCannotActInAShellPass(string name) => Assert.True(CommandLineNames.IsValidHostName(name));

    [Theory]
    [InlineData("-oProxyCommand=x")]
    [InlineData("a'b")] [InlineData("a`b")] [InlineData("a\"b")] [InlineData("a$b")] [InlineData("a\\b")]
    [InlineData("a;b")] [InlineData("a&b")] [InlineData("a<b")] [InlineData("a>b")] [InlineData("a|b")]
    [InlineData("a(b")] [InlineData("a)b")] [InlineData("a{b")] [InlineData("a}b")] [InlineData("a,b")]
    [InlineData("a b")] [InlineData("a\tb")] [InlineData("a\nb")] [InlineData("a\u007fb")]
    public void HostNamesWithShellMetacharactersFail(string name) => Assert.False(CommandLineNames.IsValidHostName(name));

    [Theory]
    [InlineData("root")]
    [InlineData("DOMAIN\\user")]
    [InlineData("machine$")]
    [InlineData("first last")]
    [InlineData("a-b")]
    [InlineData("x,y")]
    public void UserNamesOpenSshTakesPass(string name) => Assert.True(CommandLineNames.IsValidUserName(name));

    [Theory]
    [InlineData("-l")]
    [InlineData("a -b")]
    [InlineData("ab\\")]
    [InlineData("a'b")] [InlineData("a`b")] [InlineData("a\"b")] [InlineData("a;b")] [InlineData("a&b")]
    [InlineData("a<b")] [InlineData("a>b")] [InlineData("a|b")] [InlineData("a(b")] [InlineData("a)b")]
    [InlineData("a{b")] [InlineData("a}b")] [InlineData("a\tb")] [InlineData("a\u0001b")]
    public void UserNamesOpenSshRefusesFail(string name) => Assert.False(CommandLineNames.IsValidUserName(name));

    [Theory]
    [InlineData("User=x$(id)", "User", "x$(id)")]
    [InlineData("user x", "User", "x")]
    [InlineData("  User\t =  \"a b\"  ", "user", "a b")]
    [InlineData("ProxyJump=h1,u@h2", "proxyjump", "h1,u@h2")]
    [InlineData("Port 22", "user", null)]
    [InlineData("# User x", "user", null)]
    public void OptionValueSplitsTheKeywordAsTheConfigReaderDoes(string line, string keyword, string? expected) =>
        Assert.Equal(expected, CommandLineNames.OptionValue(line, keyword));
}
