using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Forwarding;

/// <summary>
/// LocalForward, RemoteForward and DynamicForward written in a config file (-F), not given as
/// flags: one `hop ssh -N` sets up all three, and bytes go through each, checked end to end.
/// </summary>
public class ConfigForwardingTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;

    public async Task InitializeAsync() => _sshd = await SshdServer.StartAsync();
    public async Task DisposeAsync() => await _sshd.DisposeAsync();

    private static string P(int port) => port.ToString(CultureInfo.InvariantCulture);

    private async Task<string> WriteConfigAsync(string forwards)
    {
        var config = Path.Combine(TestPaths.NewTempDir(), "config");
        File.WriteAllText(config, $"""
            Host fwd
              HostName 127.0.0.1
              Port {P(_sshd.Port)}
              User {_sshd.User}
              IdentityFile {await TestKeys.UserKeyAsync("ed25519")}
            {forwards}
            Host *
              IdentitiesOnly yes
              BatchMode yes
              StrictHostKeyChecking yes
              UserKnownHostsFile {_sshd.KnownHostsPath}
              ExitOnForwardFailure yes
              ConnectTimeout 10
            """);
        return config;
    }

    [Fact]
    public async Task LocalRemoteAndDynamicForwardsFromTheConfigFileCarryBytes()
    {
        await using var echo = TestTcpServer.StartEcho();
        await using var http = TestTcpServer.StartHttp();
        int local = TestPaths.FreeTcpPort();
        int remote = TestPaths.FreeTcpPort();
        int socks = TestPaths.FreeTcpPort();
        var config = await WriteConfigAsync($"""
              LocalForward 127.0.0.1:{P(local)} 127.0.0.1:{P(echo.Port)}
              RemoteForward {P(remote)} 127.0.0.1:{P(echo.Port)}
              DynamicForward localhost:{P(socks)}
            """);
        await using var hop = HopProcess.Start(["ssh", "-F", config, "-N", "fwd"]);
        await hop.WaitForPortAsync(local);
        await hop.WaitForPortAsync(socks);
        await hop.WaitForPortAsync(remote);

        var data = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
        var viaLocal = await Transfer.EchoAsync(local, data, TimeSpan.FromSeconds(60));
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(viaLocal));
        var viaRemote = await Transfer.EchoAsync(remote, data, TimeSpan.FromSeconds(60));
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(viaRemote));
        var viaSocks = await Socks5EchoAsync(socks, "localhost", echo.Port, data);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(viaSocks));

        var curl = await ProcessRunner.RunAsync("/usr/bin/curl", ["-sS", "--max-time", "20", "--socks5-hostname", $"127.0.0.1:{P(socks)}", $"http://localhost:{P(http.Port)}/"]);
        Assert.True(curl.ExitCode == 0, curl.ToString() + hop.Stderr);
        Assert.Equal(TestTcpServer.HttpBody, curl.Stdout);

        // The remote forward was the server's doing: sshd listened and opened forwarded-tcpip to us.
        Assert.Contains($"tcpip-forward listen localhost port {P(remote)}", _sshd.Log, StringComparison.Ordinal);
        Assert.False(hop.HasExited, hop.Stderr);
    }

    [Fact]
    public async Task ConfigForwardsWithBindAddressesAndAllocatedRemotePort()
    {
        await using var echo = TestTcpServer.StartEcho();
        int local = TestPaths.FreeTcpPort();
        int remote = TestPaths.FreeTcpPort();
        // Bracketed IPv6 listen and target addresses; a second RemoteForward asks sshd to pick the port.
        var config = await WriteConfigAsync($"""
              LocalForward [::1]:{P(local)} [127.0.0.1]:{P(echo.Port)}
              RemoteForward 127.0.0.1:{P(remote)} 127.0.0.1:{P(echo.Port)}
              RemoteForward 0 127.0.0.1:{P(echo.Port)}
            """);
        await using var hop = HopProcess.Start(["ssh", "-F", config, "-N", "fwd"]);
        var stderr = await hop.WaitForStderrAsync("Allocated port ");
        var m = System.Text.RegularExpressions.Regex.Match(stderr, @"Allocated port (\d+) for remote forward to 127\.0\.0\.1:(\d+)");
        Assert.True(m.Success, stderr);
        int allocated = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        await hop.WaitForPortAsync(remote);

        var data = RandomNumberGenerator.GetBytes(1024 * 1024);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await Transfer.EchoWhenReadyAsync(hop, IPAddress.IPv6Loopback, local, data)));
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await Transfer.EchoAsync(remote, data, TimeSpan.FromSeconds(60))));
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await Transfer.EchoAsync(allocated, data, TimeSpan.FromSeconds(60))));
        Assert.Equal("::1", ListeningSockets.Read(local));
        Assert.Equal("127.0.0.1", ListeningSockets.Read(remote));
    }

    /// <summary>A SOCKS5 CONNECT by domain name (no authentication), then <paramref name="data"/> out and its echo back.</summary>
    internal static async Task<byte[]> Socks5EchoAsync(int socksPort, string host, int port, byte[] data)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var c = new TcpClient();
        await c.ConnectAsync(IPAddress.Loopback, socksPort, cts.Token);
        var s = c.GetStream();
        await s.WriteAsync(new byte[] { 5, 1, 0 }, cts.Token);
        var choice = new byte[2];
        await s.ReadExactlyAsync(choice, cts.Token);
        Assert.Equal(new byte[] { 5, 0 }, choice);
        var name = Encoding.ASCII.GetBytes(host);
        byte[] request = [5, 1, 0, 3, (byte)name.Length, .. name, (byte)(port >> 8), (byte)port];
        await s.WriteAsync(request, cts.Token);
        var reply = new byte[4];
        await s.ReadExactlyAsync(reply, cts.Token);
        Assert.Equal(0, reply[1]);
        int rest = reply[3] switch { 1 => 4, 4 => 16, _ => throw new InvalidOperationException($"address type {reply[3]} in a SOCKS5 reply") } + 2;
        await s.ReadExactlyAsync(new byte[rest], cts.Token);
        var send = Task.Run(async () =>
        {
            await s.WriteAsync(data, cts.Token);
            c.Client.Shutdown(SocketShutdown.Send);
        });
        var back = new MemoryStream();
        await s.CopyToAsync(back, cts.Token);
        await send;
        return back.ToArray();
    }
}
