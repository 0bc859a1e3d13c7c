using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Forwarding;

/// <summary>-L with Unix sockets, remote dynamic forwarding (-R port) and -f, through a real sshd.</summary>
public class MoreForwardingTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;

    public async Task InitializeAsync() => _sshd = await SshdServer.StartAsync();
    public async Task DisposeAsync() => await _sshd.DisposeAsync();

    private static string P(int port) => port.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task LocalForwardFromAndToUnixSockets()
    {
        // The server's side runs as the test user: the folder and socket must be open to it.
        var dir = Directory.CreateTempSubdirectory("hop-unix-").FullName;
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_111_111);
        var target = Path.Combine(dir, "echo.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(target));
        File.SetUnixFileMode(target, (UnixFileMode)0b111_111_111);
        listener.Listen(16);
        using var stop = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var c = await listener.AcceptAsync(stop.Token);
                _ = Task.Run(async () =>
                {
                    using (c)
                    {
                        var s = new NetworkStream(c);
                        await s.CopyToAsync(s);
                        c.Shutdown(SocketShutdown.Send);
                    }
                });
            }
        });
        await using var echo = TestTcpServer.StartEcho();
        int local = TestPaths.FreeTcpPort();
        var listenPath = Path.Combine(dir, "listen.sock");
        var args = await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        args.InsertRange(1, ["-N", "-L", $"{P(local)}:{target}", "-L", $"{listenPath}:127.0.0.1:{P(echo.Port)}"]);
        await using var hop = HopProcess.Start(args);
        await hop.WaitForPortAsync(local);

        var data = RandomNumberGenerator.GetBytes(1024 * 1024);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await Transfer.EchoAsync(local, data, TimeSpan.FromSeconds(30))));

        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(listenPath));
        var cs = new NetworkStream(client);
        await cs.WriteAsync(data);
        client.Shutdown(SocketShutdown.Send);
        var back = new MemoryStream();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await cs.CopyToAsync(back, cts.Token);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(back.ToArray()));
        await stop.CancelAsync();
        listener.Dispose();
        try { Directory.Delete(dir, true); } catch (IOException) { }
    }

    [Fact]
    public async Task RemoteDynamicForwardServesSocksForTheServer()
    {
        await using var http = TestTcpServer.StartHttp();
        var args = await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        args.InsertRange(1, ["-N", "-R", "0"]);
        await using var hop = HopProcess.Start(args);
        var stderr = await hop.WaitForStderrAsync("Allocated port");
        var m = Regex.Match(stderr, @"Allocated port (\d+) for remote forward");
        Assert.True(m.Success, stderr);
        int socks = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        var r = await ProcessRunner.RunAsync("/usr/bin/curl", ["-sS", "--max-time", "20", "--socks5-hostname", $"127.0.0.1:{P(socks)}", $"http://localhost:{P(http.Port)}/"]);
        Assert.True(r.ExitCode == 0, r.ToString() + hop.Stderr);
        Assert.Equal(TestTcpServer.HttpBody, r.Stdout);
    }

    [Fact]
    public async Task PermitRemoteOpenLimitsWhereARemoteDynamicForwardConnectsAsInOpenSsh()
    {
        await using var allowed = TestTcpServer.StartHttp();
        await using var other = TestTcpServer.StartHttp();
        string permit = $"PermitRemoteOpen=localhost:{P(allowed.Port)}";
        // What the server's side asks the SOCKS proxy for, and whether it got there.
        string[] targets = [$"localhost:{P(allowed.Port)}", $"localhost:{P(other.Port)}", $"127.0.0.1:{P(allowed.Port)}"];

        async Task<bool[]> ReachedAsync(List<string> args, string? program = null)
        {
            await using var client = HopProcess.Start(args, program);
            var stderr = await client.WaitForStderrAsync("Allocated port");
            var m = Regex.Match(stderr, @"Allocated port (\d+) for remote forward");
            Assert.True(m.Success, stderr);
            var reached = new bool[targets.Length];
            for (int i = 0; i < targets.Length; i++)
            {
                var r = await ProcessRunner.RunAsync("/usr/bin/curl", ["-sS", "--max-time", "20", "--socks5-hostname", $"127.0.0.1:{m.Groups[1].Value}", $"http://{targets[i]}/"]);
                reached[i] = r.ExitCode == 0 && r.Stdout == TestTcpServer.HttpBody;
            }
            return reached;
        }

        var hopArgs = await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        hopArgs.InsertRange(1, ["-N", "-R", "0", "-o", permit]);
        var openSshArgs = await _sshd.OpenSshArgsAsync();
        openSshArgs.InsertRange(0, ["-N", "-R", "0", "-o", permit]);
        // The one place permitted, exactly as written: not another port, not the same place by address.
        bool[] expected = [true, false, false];
        Assert.Equal(expected, await ReachedAsync(hopArgs));
        Assert.Equal(expected, await ReachedAsync(openSshArgs, "/usr/bin/ssh"));
    }

    [Fact]
    public async Task BackgroundAfterAuthenticationKeepsTheForward()
    {
        await using var echo = TestTcpServer.StartEcho();
        int local = TestPaths.FreeTcpPort();
        string spec = $"{P(local)}:127.0.0.1:{P(echo.Port)}";
        var args = await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        args.InsertRange(1, ["-f", "-N", "-L", spec]);
        var r = await HopCli.RunAsync(args, timeout: TimeSpan.FromSeconds(60));
        int? background = FindHop(spec);
        try
        {
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.NotNull(background);
            await TestPaths.WaitForPortAsync(local, TimeSpan.FromSeconds(20));
            var data = RandomNumberGenerator.GetBytes(100_000);
            Assert.Equal(data, await Transfer.EchoAsync(local, data, TimeSpan.FromSeconds(30)));
        }
        finally
        {
            if (background is int pid)
            {
                try
                {
                    using var p = System.Diagnostics.Process.GetProcessById(pid);
                    p.Kill(entireProcessTree: true);
                    await p.WaitForExitAsync();
                }
                catch (ArgumentException)
                {
                    // Already gone.
                }
            }
        }
    }

    /// <summary>
    /// The pid of the hop whose command line holds <paramref name="marker"/> (the background one). It
    /// starts itself by its real path, which for an installed tool is the file its command links to.
    /// </summary>
    private static int? FindHop(string marker)
    {
        static string RealPath(string path) => File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
        string hop = RealPath(TestPaths.HopBinary);
        foreach (var d in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(d), out int pid)) continue;
            try
            {
                var cmd = File.ReadAllText(Path.Combine(d, "cmdline")).Split('\0');
                if (cmd.Length > 0 && cmd[0].Length > 0 && RealPath(cmd[0]) == hop && cmd.Contains(marker)) return pid;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return null;
    }
}
