using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Forwarding;

/// <summary>
/// -L and -R when the local end does not keep up or goes away: what the peer sends is written to
/// the local socket by hop's receive loop, which must neither wait on one slow reader nor lose a
/// byte. OpenSSH's ssh runs each test too: hop must behave as it does.
/// </summary>
public class ForwardFlowTests : IAsyncLifetime
{
    private const long SourceLength = 64L * 1024 * 1024;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private SshdServer _sshd = null!;

    public async Task InitializeAsync() => _sshd = await SshdServer.StartAsync();
    public async Task DisposeAsync() => await _sshd.DisposeAsync();

    private static string P(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>hop, and OpenSSH's ssh beside it: both must pass each test.</summary>
    public static TheoryData<string> Programs => new() { "hop", "ssh" };

    private Task<HopProcess> StartAsync(string program, params string[] forwardArgs) =>
        HopProcess.StartForwardAsync(_sshd, program == "hop" ? TestPaths.HopBinary : "/usr/bin/ssh", forwardArgs);

    [Theory]
    [MemberData(nameof(Programs))]
    public async Task AStalledLocalReaderHoldsUpOnlyItsOwnConnection(string program)
    {
        await using var source = new TestTcpSource(SourceLength);
        await using var echo = TestTcpServer.StartEcho();
        int toSource = TestPaths.FreeTcpPort(), toEcho = TestPaths.FreeTcpPort();
        await using var client = await StartAsync(program, "-L", $"{P(toSource)}:127.0.0.1:{P(source.Port)}", "-L", $"{P(toEcho)}:127.0.0.1:{P(echo.Port)}");
        await client.WaitForPortAsync(toSource);
        await client.WaitForPortAsync(toEcho);

        // The source pushes 64 MiB while this reader takes one byte and stops: the socket fills up
        // far below that, and its channel must wait without holding up the echo through the other forward.
        using var stalled = new TcpClient();
        await stalled.ConnectAsync(IPAddress.Loopback, toSource);
        var first = new byte[1];
        Assert.Equal(1, await stalled.GetStream().ReadAsync(first).AsTask().WaitAsync(Limit));

        var data = RandomNumberGenerator.GetBytes(32 * 1024 * 1024);
        var back = await Transfer.EchoAsync(toEcho, data, Limit);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(back));

        // Then the stalled reader reads on and gets every byte, in order.
        var rest = new MemoryStream();
        rest.Write(first);
        using var cts = new CancellationTokenSource(Limit);
        await stalled.GetStream().CopyToAsync(rest, cts.Token);
        Assert.Equal(SourceLength, rest.Length);
        Assert.True(TestTcpSource.IsPattern(rest.GetBuffer().AsSpan(0, (int)rest.Length)));
        // The other connection is WaitForPortAsync's, which closed at once.
        var ends = await source.EndsAsync(2, Limit);
        Assert.Equal([false, true], ends.Order());
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public async Task ALocalClientThatLeavesEndsItsTargetConnection(string program)
    {
        // As with OpenSSH: once the local socket is gone, the channel closes, so the target's
        // connection ends instead of streaming into nowhere; the next client is served in full.
        await using var source = new TestTcpSource(SourceLength);
        int toSource = TestPaths.FreeTcpPort();
        await using var client = await StartAsync(program, "-L", $"{P(toSource)}:127.0.0.1:{P(source.Port)}");
        await client.WaitForPortAsync(toSource);

        using (var leaving = new TcpClient())
        {
            await leaving.ConnectAsync(IPAddress.Loopback, toSource);
            Assert.Equal(1, await leaving.GetStream().ReadAsync(new byte[1]).AsTask().WaitAsync(Limit));
            leaving.Client.LingerState = new LingerOption(true, 0);
        }
        // This one and WaitForPortAsync's, which closed at once.
        var ends = await source.EndsAsync(2, Limit);
        Assert.Equal([false, false], ends);

        using var next = new TcpClient();
        await next.ConnectAsync(IPAddress.Loopback, toSource);
        var all = new MemoryStream();
        using var cts = new CancellationTokenSource(Limit);
        await next.GetStream().CopyToAsync(all, cts.Token);
        Assert.Equal(SourceLength, all.Length);
        Assert.True(TestTcpSource.IsPattern(all.GetBuffer().AsSpan(0, (int)all.Length)));
        Assert.True((await source.EndsAsync(3, Limit))[2]);
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public async Task ARemoteForwardWhoseLocalTargetStallsHoldsUpOnlyItsOwnConnection(string program)
    {
        // -R to an echo server: a client that sends 96 MiB (far more than the buffers on the way hold)
        // without reading the echo stalls the echo server, so hop's writes to that local socket fill
        // it; another connection must still flow.
        await using var echo = TestTcpServer.StartEcho();
        await using var client = await StartAsync(program, "-R", $"0:127.0.0.1:{P(echo.Port)}");
        var m = System.Text.RegularExpressions.Regex.Match(await client.WaitForStderrAsync("for remote forward to"), @"Allocated port (\d+)");
        Assert.True(m.Success, client.Stderr);
        int remote = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        await client.WaitForPortAsync(remote);

        var big = RandomNumberGenerator.GetBytes(96 * 1024 * 1024);
        using var stalled = new TcpClient();
        await stalled.ConnectAsync(IPAddress.Loopback, remote);
        var stream = stalled.GetStream();
        using var cts = new CancellationTokenSource(Limit);
        var sending = Task.Run(async () =>
        {
            await stream.WriteAsync(big, cts.Token);
            stalled.Client.Shutdown(SocketShutdown.Send);
        });

        var data = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
        var back = await Transfer.EchoAsync(remote, data, Limit);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(back));

        var all = new MemoryStream();
        await stream.CopyToAsync(all, cts.Token);
        await sending;
        Assert.Equal(SHA256.HashData(big), SHA256.HashData(all.ToArray()));
    }
}
