using Hop.Ssh.Config;

namespace Hop.Ssh.Tests.Config;

public class ForwardSpecTests
{
    [Theory]
    [InlineData(ForwardKind.Local, "8080", "localhost:80", "8080 [localhost]:80")]
    [InlineData(ForwardKind.Local, "127.0.0.1:8080", "[::1]:80", "[127.0.0.1]:8080 [::1]:80")]
    [InlineData(ForwardKind.Local, "/tmp/s", "host:22", "/tmp/s [host]:22")]
    [InlineData(ForwardKind.Local, "8080:localhost", "80", "8080 [localhost]:80")]
    [InlineData(ForwardKind.Remote, "[::]:9002", "/var/run/x.sock", "[::]:9002 /var/run/x.sock")]
    [InlineData(ForwardKind.Remote, "9001", null, "9001 [socks]:0")]
    [InlineData(ForwardKind.Dynamic, "localhost:1081", null, "[localhost]:1081")]
    [InlineData(ForwardKind.Dynamic, "1080", null, "1080")]
    public void Parses_like_parse_forward(ForwardKind kind, string a, string? b, string printed)
    {
        var spec = ForwardSpec.Parse(kind, b is null ? [a] : [a, b]);
        Assert.NotNull(spec);
        Assert.Equal(printed, spec!.ToString() + (kind == ForwardKind.Dynamic ? "" : ""));
    }

    [Theory]
    [InlineData(ForwardKind.Local, "8080")]
    [InlineData(ForwardKind.Local, "8080", "host")]
    [InlineData(ForwardKind.Local, "99999", "host:80")]
    [InlineData(ForwardKind.Local, "0", "host:80")]
    [InlineData(ForwardKind.Local, "80", "host:0")]
    [InlineData(ForwardKind.Local, "[::1", "host:80")]
    [InlineData(ForwardKind.Dynamic, "a:b:c")]
    [InlineData(ForwardKind.Local, "1:2:3:4:5", "x")]
    public void Rejects_what_OpenSSH_rejects(ForwardKind kind, params string[] args) => Assert.Null(ForwardSpec.Parse(kind, args));
}

public class AlgorithmListTests
{
    private static readonly AlgorithmCategory Cat = new(["a", "b", "c"], ["a", "b", "c", "d", "x-1", "x-2"]);
    private static readonly AlgorithmCategory Keys = new(["a", "b"], ["a", "b", "x-1", "x-2"], PatternsAllowed: true);

    [Theory]
    [InlineData(null, "a,b,c")]
    [InlineData("+d", "a,b,c,d")]
    [InlineData("+a", "a,b,c")]
    [InlineData("-b", "a,c")]
    [InlineData("-x*,a", "b,c")]
    [InlineData("^c,d", "c,d,a,b")]
    [InlineData("d,a", "d,a")]
    public void Assembles_like_kex_assemble_names(string? value, string expected) =>
        Assert.Equal(expected, string.Join(',', AlgorithmList.Resolve(value, Cat)));

    [Fact]
    public void Patterns_only_where_allowed()
    {
        Assert.NotNull(AlgorithmList.Check("x-*", Cat));
        Assert.Null(AlgorithmList.Check("x-*", Keys));
        Assert.Equal("x-1,x-2", string.Join(',', AlgorithmList.Resolve("x-*", Keys)));
        Assert.Null(AlgorithmList.Check("-x-*", Cat));
        Assert.NotNull(AlgorithmList.Check("nope", Cat));
        Assert.Throws<SshConfigException>(() => AlgorithmList.Resolve("-*", Cat));
    }
}
