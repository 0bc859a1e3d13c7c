using Hop.Cli.Terminal;
using Hop.Ssh.Config;

namespace Hop.Ssh.Tests.Terminal;

/// <summary>Parsing of the "~C" command line, as OpenSSH's process_cmdline reads it.</summary>
public class EscapeCommandLineTests
{
    [Theory]
    [InlineData("", false)]
    [InlineData("   ", false)]
    [InlineData("-", false)]
    [InlineData("-h", true)]
    [InlineData("?", true)]
    [InlineData("H", true)]
    [InlineData("help", true)]
    public void EmptyAndHelp(string line, bool help) =>
        Assert.Equal(help ? CommandLineRequest.Help : CommandLineRequest.Nothing, EscapeCommandLine.Parse(line).Request);

    [Theory]
    [InlineData("bogus")]
    [InlineData("-X 1")]
    [InlineData("-K")]
    [InlineData("-KX 80")]
    [InlineData("!ls")]
    public void InvalidCommand(string line)
    {
        var p = EscapeCommandLine.Parse(line);
        Assert.Equal(CommandLineRequest.Invalid, p.Request);
        Assert.Equal("Invalid command.", p.Message);
    }

    [Fact]
    public void LocalForwardWithAndWithoutDashAndSpace()
    {
        foreach (var line in new[] { "-L 8080:example.org:80", "-L8080:example.org:80", "L 8080:example.org:80", "  -L   8080:example.org:80  " })
        {
            var p = EscapeCommandLine.Parse(line);
            Assert.Equal(CommandLineRequest.Add, p.Request);
            Assert.Equal(ForwardKind.Local, p.Kind);
            Assert.Equal((null, 8080, "example.org", 80), (p.Spec!.ListenHost, p.Spec.ListenPort, p.Spec.ConnectHost, p.Spec.ConnectPort));
        }
    }

    [Fact]
    public void LocalForwardWithBindAddressIpv6AndUnixSocket()
    {
        var p = EscapeCommandLine.Parse("-L [::1]:8080:[2001:db8::1]:22").Spec!;
        Assert.Equal(("::1", 8080, "2001:db8::1", 22), (p.ListenHost, p.ListenPort, p.ConnectHost, p.ConnectPort));
        var u = EscapeCommandLine.Parse("-L /tmp/a.sock:/run/b.sock").Spec!;
        Assert.Equal(("/tmp/a.sock", "/run/b.sock"), (u.ListenPath, u.ConnectPath));
    }

    [Theory]
    [InlineData("-L nonsense", "Bad local forwarding specification.")]
    [InlineData("-L 8080", "Bad local forwarding specification.")]
    [InlineData("-L 0:h:80", "Bad local forwarding specification.")]
    [InlineData("-D", "Bad local forwarding specification.")]
    [InlineData("-D a:b:c", "Bad local forwarding specification.")]
    [InlineData("-R", "Bad remote forwarding specification.")]
    [InlineData("-R 70000:h:1", "Bad remote forwarding specification.")]
    [InlineData("-KL", "Bad forwarding close specification.")]
    [InlineData("-KL a:b:c", "Bad forwarding close specification.")]
    public void BadSpecifications(string line, string message)
    {
        var p = EscapeCommandLine.Parse(line);
        Assert.Equal(CommandLineRequest.Invalid, p.Request);
        Assert.Equal(message, p.Message);
    }

    [Fact]
    public void RemoteForwardsStaticAllocatedAndDynamic()
    {
        var s = EscapeCommandLine.Parse("-R 2222:localhost:22").Spec!;
        Assert.Equal((ForwardKind.Remote, 2222, "localhost", 22), (s.Kind, s.ListenPort, s.ConnectHost, s.ConnectPort));
        Assert.Equal(0, EscapeCommandLine.Parse("-R 0:localhost:22").Spec!.ListenPort);
        var d = EscapeCommandLine.Parse("-R 1080").Spec!;
        Assert.True(d.IsSocks);
        Assert.Equal(1080, d.ListenPort);
    }

    [Fact]
    public void DynamicForward()
    {
        var p = EscapeCommandLine.Parse("-D 127.0.0.1:1080");
        Assert.Equal((CommandLineRequest.Add, ForwardKind.Dynamic), (p.Request, p.Kind));
        Assert.Equal(("127.0.0.1", 1080), (p.Spec!.ListenHost, p.Spec.ListenPort));
    }

    [Theory]
    [InlineData("-KL 8080", ForwardKind.Local, null, 8080)]
    [InlineData("-KL127.0.0.1:8080", ForwardKind.Local, "127.0.0.1", 8080)]
    [InlineData("-KR 2222", ForwardKind.Remote, null, 2222)]
    [InlineData("-KD [::1]:1080", ForwardKind.Dynamic, "::1", 1080)]
    public void Cancels(string line, ForwardKind kind, string? host, int port)
    {
        var p = EscapeCommandLine.Parse(line);
        Assert.Equal((CommandLineRequest.Cancel, kind), (p.Request, p.Kind));
        Assert.Equal((kind, host, port), (p.Spec!.Kind, p.Spec.ListenHost, p.Spec.ListenPort));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("*", null)]
    [InlineData("localhost", null)]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("::1", "::1")]
    public void ListenKeyAsOpenSshComparesListeners(string? host, string? key) => Assert.Equal(key, EscapeCommandLine.ListenKey(host));
}
