using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Forwarding;

/// <summary>-L, -R, -D and ExitOnForwardFailure through a real sshd, with `hop ssh -N` as a process.</summary>
public class PortForwardingTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;

    public async Task InitializeAsync() => _sshd = await SshdServer.StartAsync();
    public async Task DisposeAsync() => await _sshd.DisposeAsync();

    private static string P(int port) => port.ToString(CultureInfo.InvariantCulture);

    private async Task<HopProcess> StartHopAsync(params string[] forwardArgs)
    {
        var args = await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        args.InsertRange(1, forwardArgs);
        args.Insert(1, "-N");
        return HopProcess.Start(args);
    }

    [Fact]
    public async Task LocalForwardCarries64MegabytesIntactBothWays()
    {
        await using var echo = TestTcpServer.StartEcho();
        int local = TestPaths.FreeTcpPort();
        await using var hop = await StartHopAsync("-L", $"{P(local)}:127.0.0.1:{P(echo.Port)}");
        await hop.WaitForPortAsync(local);
        var data = RandomNumberGenerator.GetBytes(64 * 1024 * 1024);
        var back = await Transfer.EchoAsync(local, data, TimeSpan.FromSeconds(60));
        Assert.Equal(data.Length, back.Length);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(back));
    }

    [Fact]
    public async Task UnderVerboseEachForwardedConnectionSaysWhenItBeginsAndEndsAndWhatEndedItEarly()
    {
        await using var echo = TestTcpServer.StartEcho();
        int local = TestPaths.FreeTcpPort();
        await using var hop = await StartHopAsync("-v", "-L", $"{P(local)}:127.0.0.1:{P(echo.Port)}");
        await hop.WaitForPortAsync(local);
        var data = RandomNumberGenerator.GetBytes(100_000);
        Assert.Equal(data, await Transfer.EchoAsync(local, data, TimeSpan.FromSeconds(30)));
        var free = new Regex(@"debug1: channel (\d+): free: direct-tcpip: listening port (\d+) for 127\.0\.0\.1 port (\d+), connect from 127\.0\.0\.1 port \d+ to 127\.0\.0\.1 port \d+, nchannels \d+");
        string stderr = await hop.WaitForStderrAsync(s => free.Matches(s).Count >= 2, "two 'free' lines");
        var m = free.Match(stderr);
        Assert.Equal((P(local), P(echo.Port)), (m.Groups[2].Value, m.Groups[3].Value));
        Assert.Contains($"debug1: Connection to port {P(local)} forwarding to 127.0.0.1 port {P(echo.Port)} requested.", stderr, StringComparison.Ordinal);
        Assert.Contains($"debug1: channel {m.Groups[1].Value}: new [direct-tcpip]", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("ended early", stderr, StringComparison.Ordinal);

        // A local end that resets its connection while the echo pours back: the relay says why it ended.
        using (var reset = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await reset.ConnectAsync(IPAddress.Loopback, local);
            await reset.SendAsync(RandomNumberGenerator.GetBytes(4 << 20));
            reset.LingerState = new LingerOption(true, 0);
        }
        stderr = await hop.WaitForStderrAsync(s => free.Matches(s).Count >= 3, "a third 'free' line");
        Assert.Matches(@"debug1: channel \d+: relay ended early: \S", stderr);
    }

    [Fact]
    public async Task ALocalEndResetWhileTheTargetIsQuietEndsTheTargetsConnection()
    {
        using var target = new TcpListener(IPAddress.Loopback, 0);
        target.Start();
        int local = TestPaths.FreeTcpPort();
        await using var hop = await StartHopAsync("-L", $"{P(local)}:127.0.0.1:{P(((IPEndPoint)target.LocalEndpoint).Port)}");
        await hop.WaitForPortAsync(local);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(IPAddress.Loopback, local);
        await client.SendAsync("hello"u8.ToArray());

        // The target's end of our connection is the one that says hello (the port probe's says nothing).
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[16];
        Socket? ours = null;
        while (ours is null)
        {
            var accepted = await target.AcceptSocketAsync(cts.Token);
            if (await accepted.ReceiveAsync(buffer, SocketFlags.None, cts.Token) > 0) ours = accepted;
            else accepted.Dispose();
        }
        using (ours)
        {
            client.LingerState = new LingerOption(true, 0);
            client.Close();
            // hop closes the channel, so sshd closes its connection to the target: no waiting for the target to speak.
            int n;
            try
            {
                n = await ours.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            }
            catch (SocketException)
            {
                n = 0;
            }
            Assert.Equal(0, n);
        }
    }

    [Fact]
    public async Task HundredParallelConnectionsThroughOneLocalForward()
    {
        await using var echo = TestTcpServer.StartEcho();
        int local = TestPaths.FreeTcpPort();
        await using var hop = await StartHopAsync("-L", $"127.0.0.1:{P(local)}:127.0.0.1:{P(echo.Port)}");
        await hop.WaitForPortAsync(local);
        var tasks = Enumerable.Range(0, 100).Select(async i =>
        {
            var data = RandomNumberGenerator.GetBytes(200 * 1024 + i);
            var back = await Transfer.EchoAsync(local, data, TimeSpan.FromSeconds(60));
            return SHA256.HashData(data).SequenceEqual(SHA256.HashData(back)) && back.Length == data.Length;
        }).ToList();
        var results = await Task.WhenAll(tasks);
        Assert.All(results, Assert.True);
        Assert.True(echo.Connections >= 100);
    }

    [Fact]
    public async Task RemoteForwardOnAllocatedPortCarries64Megabytes()
    {
        await using var echo = TestTcpServer.StartEcho();
        await using var hop = await StartHopAsync("-R", $"0:127.0.0.1:{P(echo.Port)}");
        var stderr = await hop.WaitForStderrAsync($"for remote forward to 127.0.0.1:{P(echo.Port)}");
        var m = Regex.Match(stderr, @"Allocated port (\d+) for remote forward to 127\.0\.0\.1:(\d+)");
        Assert.True(m.Success, stderr);
        int remote = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        await hop.WaitForPortAsync(remote);
        var data = RandomNumberGenerator.GetBytes(64 * 1024 * 1024);
        var back = await Transfer.EchoAsync(remote, data, TimeSpan.FromSeconds(60));
        Assert.Equal(data.Length, back.Length);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(back));
    }

    [Fact]
    public async Task ExitOnForwardFailureWithATakenPortExits255()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var args = await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        args.InsertRange(1, ["-N", "-o", "ExitOnForwardFailure=yes", "-L", $"127.0.0.1:{P(port)}:127.0.0.1:9"]);
        var r = await HopCli.RunAsync(args, timeout: TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 255, r.ToString());
        Assert.Contains($"bind [127.0.0.1]:{P(port)}: Address already in use", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("Could not request local forwarding.", r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--socks5-hostname", "localhost")]
    [InlineData("--socks4a", "localhost")]
    [InlineData("--socks5", "127.0.0.1")]
    [InlineData("--socks4", "127.0.0.1")]
    public async Task CurlThroughDynamicForward(string curlOption, string host)
    {
        await using var http = TestTcpServer.StartHttp();
        int socks = TestPaths.FreeTcpPort();
        await using var hop = await StartHopAsync("-D", P(socks));
        await hop.WaitForPortAsync(socks);
        var r = await ProcessRunner.RunAsync("/usr/bin/curl", ["-sS", "--max-time", "20", curlOption, $"127.0.0.1:{P(socks)}", $"http://{host}:{P(http.Port)}/"]);
        Assert.True(r.ExitCode == 0, r.ToString() + hop.Stderr);
        Assert.Equal(TestTcpServer.HttpBody, r.Stdout);
    }

    [Fact]
    public async Task UnderVerboseADynamicForwardSaysWhatEachConnectionAskedFor()
    {
        await using var http = TestTcpServer.StartHttp();
        int socks = TestPaths.FreeTcpPort();
        await using var hop = await StartHopAsync("-v", "-D", P(socks));
        await hop.WaitForPortAsync(socks);
        var r = await ProcessRunner.RunAsync("/usr/bin/curl", ["-sS", "--max-time", "20", "--socks5", $"127.0.0.1:{P(socks)}", $"http://127.0.0.1:{P(http.Port)}/"]);
        Assert.True(r.ExitCode == 0, r.ToString() + hop.Stderr);
        string stderr = await hop.WaitForStderrAsync($"for 127.0.0.1 port {P(http.Port)}, connect from");
        Assert.Contains($"debug1: Connection to port {P(socks)} forwarding to socks port 0 requested.", stderr, StringComparison.Ordinal);
        Assert.Matches(@"debug1: channel (\d+): new \[dynamic-tcpip\]", stderr);
        Assert.Matches($@"debug1: channel \d+: free: direct-tcpip: listening port {P(socks)} for 127\.0\.0\.1 port {P(http.Port)}, connect from 127\.0\.0\.1 port \d+ to 127\.0\.0\.1 port {P(socks)}, nchannels \d+", stderr);
    }

    [Fact]
    public async Task CurlThroughDynamicForwardToIpv6()
    {
        if (!Socket.OSSupportsIPv6) throw new InvalidOperationException("IPv6 is needed for this test");
        await using var http = TestTcpServer.StartHttp(IPAddress.IPv6Loopback);
        int socks = TestPaths.FreeTcpPort();
        await using var hop = await StartHopAsync("-D", $"127.0.0.1:{P(socks)}");
        await hop.WaitForPortAsync(socks);
        var r = await ProcessRunner.RunAsync("/usr/bin/curl", ["-sS", "-g", "--max-time", "20", "--socks5", $"127.0.0.1:{P(socks)}", $"http://[::1]:{P(http.Port)}/"]);
        Assert.True(r.ExitCode == 0, r.ToString() + hop.Stderr);
        Assert.Equal(TestTcpServer.HttpBody, r.Stdout);
    }

    [Fact]
    public async Task MalformedSocksRequestClosesOnlyThatConnection()
    {
        await using var echo = TestTcpServer.StartEcho();
        int socks = TestPaths.FreeTcpPort();
        await using var hop = await StartHopAsync("-D", P(socks));
        await hop.WaitForPortAsync(socks);

        // A good SOCKS5 connection, open through the whole test.
        using var good = new TcpClient();
        await good.ConnectAsync(IPAddress.Loopback, socks);
        var gs = good.GetStream();
        gs.ReadTimeout = 20000;
        await gs.WriteAsync(new byte[] { 5, 1, 0 });
        Assert.Equal(new byte[] { 5, 0 }, await ReadExactlyAsync(gs, 2));
        byte[] connect = [5, 1, 0, 1, 127, 0, 0, 1, (byte)(echo.Port >> 8), (byte)echo.Port];
        await gs.WriteAsync(connect);
        var reply = await ReadExactlyAsync(gs, 10);
        Assert.Equal(0, reply[1]);

        // Bad requests: unknown version, bad address type, SOCKS4 bind command; each is closed.
        foreach (var bad in new byte[][] { [9, 9, 9, 9], [5, 1, 0, 5, 1, 0, 0x77, 1, 2, 3], [4, 2, 0, 80, 127, 0, 0, 1, 0] })
        {
            using var c = new TcpClient();
            await c.ConnectAsync(IPAddress.Loopback, socks);
            var s = c.GetStream();
            await s.WriteAsync(bad);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var buffer = new byte[64];
            int total = 0, n;
            while ((n = await s.ReadAsync(buffer, cts.Token)) > 0) total += n;
            Assert.True(total <= 12, $"{total} bytes answered a malformed request");
        }

        // The good connection still works, and so do new ones.
        var payload = RandomNumberGenerator.GetBytes(100_000);
        var write = gs.WriteAsync(payload).AsTask();
        Assert.Equal(payload, await ReadExactlyAsync(gs, payload.Length));
        await write;
        using var again = new TcpClient();
        await again.ConnectAsync(IPAddress.Loopback, socks);
        var a = again.GetStream();
        await a.WriteAsync(new byte[] { 4, 1, (byte)(echo.Port >> 8), (byte)echo.Port, 127, 0, 0, 1, (byte)'u', 0 });
        Assert.Equal(0x5a, (await ReadExactlyAsync(a, 8))[1]);
        await a.WriteAsync("ping"u8.ToArray());
        Assert.Equal("ping"u8.ToArray(), await ReadExactlyAsync(a, 4));
        Assert.False(hop.HasExited, hop.Stderr);
    }

    private static async Task<byte[]> ReadExactlyAsync(Stream s, int count)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var b = new byte[count];
        await s.ReadExactlyAsync(b, cts.Token);
        return b;
    }
}
