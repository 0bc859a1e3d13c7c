using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Forwarding;

/// <summary>
/// -R on a fixed port, with and without a bind address, against an sshd with GatewayPorts no (as
/// the fixture's): where sshd listens (read from the kernel's socket tables), what address the
/// client asked for (sshd's log), and bytes through — for hop and for OpenSSH's ssh on the same sshd.
/// </summary>
public class RemoteForwardBindTests : IAsyncLifetime
{
    private const string OpenSsh = "/usr/bin/ssh";
    private SshdServer _sshd = null!;

    // Said, not left to the default, so that no sshd here can ever listen beyond loopback.
    public async Task InitializeAsync() => _sshd = await SshdServer.StartAsync(["GatewayPorts no"]);
    public async Task DisposeAsync() => await _sshd.DisposeAsync();

    private static string P(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// sshd (GatewayPorts no) honours only 127.0.0.1 and ::1 as they are; any other bind address —
    /// none ("localhost"), "*", 0.0.0.0, a foreign address — gives loopback in both families.
    /// </summary>
    [Theory]
    [InlineData("", "localhost", "127.0.0.1 ::1")]
    [InlineData("127.0.0.1:", "127.0.0.1", "127.0.0.1")]
    [InlineData("localhost:", "localhost", "127.0.0.1 ::1")]
    [InlineData("[::1]:", "::1", "::1")]
    [InlineData("*:", "", "127.0.0.1 ::1")]
    [InlineData("0.0.0.0:", "0.0.0.0", "127.0.0.1 ::1")]
    [InlineData("192.0.2.1:", "192.0.2.1", "127.0.0.1 ::1")]
    public async Task FixedPortRemoteForwardListensWhereSshdDecides(string bind, string requested, string listening)
    {
        await using var echo = TestTcpServer.StartEcho();
        foreach (var program in new[] { TestPaths.HopBinary, OpenSsh })
        {
            int port = TestPaths.FreeTcpPort();
            await using var client = await HopProcess.StartForwardAsync(_sshd, program, "-R", $"{bind}{P(port)}:127.0.0.1:{P(echo.Port)}");
            var address = listening == "::1" ? IPAddress.IPv6Loopback : IPAddress.Loopback;
            var data = RandomNumberGenerator.GetBytes(512 * 1024);
            var back = await Transfer.EchoWhenReadyAsync(client, address, port, data);
            Assert.True(SHA256.HashData(data).SequenceEqual(SHA256.HashData(back)), $"{program}: bytes through -R {bind}{port} differ");
            // A connection went through, so sshd has bound every address it was going to.
            Assert.Equal((program, listening), (program, ListeningSockets.Read(port)));
            Assert.Equal((program, requested), (program, RequestedAddress(port)));
            Assert.False(client.HasExited, client.Stderr);
        }
    }

    /// <summary>
    /// -g (GatewayPorts) is about local forwards only: ssh still asks for "localhost" for a -R
    /// without a bind address, so a server with GatewayPorts clientspecified keeps it on loopback.
    /// </summary>
    [Theory]
    [InlineData("-g")]
    [InlineData("-oGatewayPorts=yes")]
    public async Task GatewayPortsDoesNotWidenARemoteForward(string flag)
    {
        await using var echo = TestTcpServer.StartEcho();
        foreach (var program in new[] { TestPaths.HopBinary, OpenSsh })
        {
            int port = TestPaths.FreeTcpPort();
            await using var client = await HopProcess.StartForwardAsync(_sshd, program, flag, "-R", $"{P(port)}:127.0.0.1:{P(echo.Port)}");
            var data = RandomNumberGenerator.GetBytes(64 * 1024);
            Assert.Equal(data, await Transfer.EchoWhenReadyAsync(client, IPAddress.Loopback, port, data));
            Assert.Equal((program, "localhost"), (program, RequestedAddress(port)));
        }
    }

    [Fact]
    public async Task FixedPortAlreadyTakenOnTheServerIsAWarningOrUnderExitOnForwardFailureAnError()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var spec = $"127.0.0.1:{P(port)}:127.0.0.1:9";
        var args = await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        args.InsertRange(1, ["-o", "ExitOnForwardFailure=yes", "-R", spec]);
        args.Add("echo not reached");
        var r = await HopCli.RunAsync(args);
        Assert.True(r.ExitCode == 255, r.ToString());
        Assert.Equal($"hop: Error: remote port forwarding failed for listen port {P(port)}\n", r.Stderr);
        Assert.Equal("", r.Stdout);

        var warnArgs = await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        warnArgs.InsertRange(1, ["-R", spec]);
        warnArgs.Add("echo still-ran");
        var warned = await HopCli.RunAsync(warnArgs);
        Assert.True(warned.ExitCode == 0, warned.ToString());
        Assert.Equal("still-ran\n", warned.Stdout);
        Assert.Equal($"Warning: remote port forwarding failed for listen port {P(port)}\n", warned.Stderr);
    }

    /// <summary>The listen address of the tcpip-forward request for <paramref name="port"/>, as sshd logged it.</summary>
    private string RequestedAddress(int port)
    {
        var m = Regex.Match(_sshd.Log, $@"tcpip-forward listen (.*) port {P(port)}\r?$", RegexOptions.Multiline);
        return m.Success ? m.Groups[1].Value : "(no request)";
    }
}
