using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Hop.Interop.Tests.Fixtures;
using Hop.Interop.Tests.Forwarding;

namespace Hop.Interop.Tests.Cli;

/// <summary>TCPKeepAlive and ConnectionAttempts, each beside OpenSSH's ssh against a real sshd.</summary>
public class ConnectionOptionsCliTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;

    public async Task InitializeAsync() => _sshd = await SshdServer.StartAsync();
    public async Task DisposeAsync() => await _sshd.DisposeAsync();

    private static string P(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>The client's arguments for <paramref name="program"/> ("hop": `hop ssh`, or ssh), with -v, <paramref name="options"/> and a command.</summary>
    private async Task<List<string>> ArgsAsync(string program, string[] options, string command)
    {
        bool hop = program == "hop";
        List<string> args = hop ? await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath) : await _sshd.OpenSshArgsAsync();
        args.InsertRange(hop ? 1 : 0, ["-v", .. options]);
        args.Add(command);
        return args;
    }

    /// <summary>
    /// The timer field of the client's end of its connection to the sshd in /proc/net/tcp: 2 while a
    /// keepalive timer runs (SO_KEEPALIVE on an idle connection), 1 while data awaits its ACK, 0 with none.
    /// </summary>
    private int ClientTimer()
    {
        string port = _sshd.Port.ToString("X4", CultureInfo.InvariantCulture);
        var fields = File.ReadAllLines("/proc/net/tcp").Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Single(f => f[2] == $"0100007F:{port}" && f[3] == "01");
        return int.Parse(fields[5].Split(':')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }

    [Theory]
    [InlineData("hop", "", 2)]
    [InlineData("hop", "TCPKeepAlive=no", 0)]
    [InlineData("hop", "KeepAlive=yes", 2)]
    [InlineData("/usr/bin/ssh", "", 2)]
    [InlineData("/usr/bin/ssh", "TCPKeepAlive=no", 0)]
    public async Task TcpKeepAliveSetsSoKeepAliveAsSshDoes(string program, string option, int timer)
    {
        string[] options = option.Length > 0 ? ["-o", option] : [];
        await using var client = HopProcess.Start(await ArgsAsync(program, options, "sleep 20"), program == "hop" ? null : program);
        await client.WaitForStderrAsync("Authenticated to");
        // While a packet is unacknowledged the field shows the retransmit timer (1) instead; the
        // session then idles (the remote sleeps), and the keepalive timer shows, or none.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        int seen;
        while ((seen = ClientTimer()) == 1 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(timer, seen);
    }

    [Theory]
    [InlineData("hop")]
    [InlineData("/usr/bin/ssh")]
    public async Task ConnectionAttemptsTriesAgainASecondLater(string program)
    {
        // A port nothing listens on yet; the sshd's known_hosts line is copied for it.
        int port = TestPaths.FreeTcpPort();
        string knownHosts = Path.Combine(_sshd.Directory, $"known_hosts_{P(port)}");
        await File.WriteAllTextAsync(knownHosts, File.ReadAllText(_sshd.KnownHostsPath).Replace($"]:{P(_sshd.Port)} ", $"]:{P(port)} ", StringComparison.Ordinal));
        var args = await ArgsAsync(program, ["-o", "ConnectionAttempts=3", "-o", $"UserKnownHostsFile={knownHosts}"], "echo in");
        args[args.IndexOf(P(_sshd.Port))] = P(port);
        await using var client = HopProcess.Start(args, program == "hop" ? null : program);
        await client.WaitForStderrAsync($"connect to address 127.0.0.1 port {P(port)}: Connection refused");

        // Only now the port answers: a relay to the sshd, for the attempt a second after the first.
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        try
        {
            using var accepted = await listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(20));
            using var upstream = new TcpClient();
            await upstream.ConnectAsync(IPAddress.Loopback, _sshd.Port);
            var a = accepted.GetStream();
            var b = upstream.GetStream();
            var relay = Task.WhenAll(a.CopyToAsync(b).ContinueWith(_ => upstream.Client.Shutdown(SocketShutdown.Send), TaskScheduler.Default),
                b.CopyToAsync(a).ContinueWith(_ => accepted.Client.Shutdown(SocketShutdown.Send), TaskScheduler.Default));
            Assert.Equal(0, await client.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("Trying again...", client.Stderr, StringComparison.Ordinal);
            await relay.WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task OneAttemptIsTheDefault()
    {
        int port = TestPaths.FreeTcpPort();
        var args = await ArgsAsync("hop", [], "echo in");
        args[args.IndexOf(P(_sshd.Port))] = P(port);
        var r = await HopCli.RunAsync(args);
        Assert.Equal(255, r.ExitCode);
        Assert.Contains($"connect to host 127.0.0.1 port {P(port)}: Connection refused", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Trying again", r.Stderr, StringComparison.Ordinal);
    }
}
