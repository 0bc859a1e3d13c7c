using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Hop.Interop.Tests.Fixtures;
using Hop.Interop.Tests.Forwarding;

namespace Hop.Interop.Tests.Cli;

/// <summary>
/// StreamLocalBindMask and StreamLocalBindUnlink (the sockets of -L /path), BindInterface and IPQoS, each beside
/// OpenSSH's ssh against a real sshd.
/// </summary>
public partial class SocketOptionsCliTests : IAsyncLifetime
{
    private const string Ssh = "/usr/bin/ssh";
    private SshdServer _sshd = null!;
    private string _dir = null!;

    public async Task InitializeAsync()
    {
        _sshd = await SshdServer.StartAsync();
        _dir = Directory.CreateTempSubdirectory("hop-socketopts-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _sshd.DisposeAsync();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private static string P(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>The arguments for <paramref name="program"/> (hop or ssh): <paramref name="options"/>, the destination, <paramref name="command"/>.</summary>
    private async Task<List<string>> ArgsAsync(string program, string[] options, params string[] command)
    {
        bool hop = program == TestPaths.HopBinary;
        List<string> args = hop ? await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath) : await _sshd.OpenSshArgsAsync();
        args.InsertRange(hop ? 1 : 0, options);
        args.AddRange(command);
        return args;
    }

    /// <summary>Waits until <paramref name="path"/> exists; fails early when the client exits.</summary>
    private static async Task WaitForFileAsync(HopProcess client, string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!File.Exists(path))
        {
            if (client.HasExited) throw new InvalidOperationException($"exited {client.ExitCode} before {path} was made: {client.Stderr}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{path} not made: {client.Stderr}");
            await Task.Delay(50);
        }
    }

    /// <summary>A Unix socket file nothing listens on any more, as a client killed before it could remove it leaves.</summary>
    private static async Task<string> StaleSocketAsync(string path)
    {
        // Not through .NET, whose socket removes its file when closed.
        await ProcessRunner.RunCheckedAsync("/usr/bin/python3", "-c", "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", path);
        Assert.True(File.Exists(path));
        return path;
    }

    [Theory]
    [InlineData(null, "srw-------")]
    [InlineData("0111", "srw-rw-rw-")]
    [InlineData("022", "srwxr-xr-x")]
    public async Task StreamLocalBindMaskSetsTheModeOfTheForwardSocketAsSshDoes(string? mask, string expected)
    {
        var modes = new List<string>();
        foreach (string program in new[] { TestPaths.HopBinary, Ssh })
        {
            string path = Path.Combine(_dir, $"mask-{modes.Count}.sock");
            string[] options = mask is null ? [] : ["-o", $"StreamLocalBindMask={mask}"];
            await using var client = await HopProcess.StartForwardAsync(_sshd, program, [.. options, "-L", $"{path}:127.0.0.1:{P(_sshd.Port)}"]);
            await WaitForFileAsync(client, path);
            var r = await ProcessRunner.RunCheckedAsync("/usr/bin/stat", "-c", "%A", path);
            modes.Add(r.Stdout.Trim());
        }
        Assert.Equal([expected, expected], modes);
    }

    [Theory]
    [InlineData("no")]
    [InlineData(null)]
    public async Task AStaleSocketFailsTheForwardWithoutStreamLocalBindUnlinkAsInSsh(string? unlink)
    {
        foreach (string program in new[] { TestPaths.HopBinary, Ssh })
        {
            string path = await StaleSocketAsync(Path.Combine(_dir, $"stale-{Path.GetFileName(program)}.sock"));
            string[] options = unlink is null ? [] : ["-o", $"StreamLocalBindUnlink={unlink}"];
            await using var client = await HopProcess.StartForwardAsync(_sshd, program, [.. options, "-L", $"{path}:127.0.0.1:{P(_sshd.Port)}"]);
            Assert.Equal(255, await client.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            string stderr = client.Stderr.Replace("\r\n", "\n", StringComparison.Ordinal);
            Assert.Contains($"unix_listener: cannot bind to path {path}: Address already in use\n", stderr, StringComparison.Ordinal);
            Assert.Contains("Could not request local forwarding.", client.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task StreamLocalBindUnlinkReplacesAStaleSocketAsInSsh()
    {
        await using var echo = TestTcpServer.StartEcho();
        foreach (string program in new[] { TestPaths.HopBinary, Ssh })
        {
            string path = await StaleSocketAsync(Path.Combine(_dir, $"unlink-{Path.GetFileName(program)}.sock"));
            await using var client = await HopProcess.StartForwardAsync(_sshd, program, "-o", "StreamLocalBindUnlink=yes", "-L", $"{path}:127.0.0.1:{P(echo.Port)}");
            // The stale file is there from the start: wait for the forward by connecting until it answers.
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            Socket? s = null;
            while (s is null)
            {
                Assert.False(client.HasExited, client.Stderr);
                var attempt = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await attempt.ConnectAsync(new UnixDomainSocketEndPoint(path), cts.Token);
                    s = attempt;
                }
                catch (SocketException)
                {
                    attempt.Dispose();
                    await Task.Delay(50, cts.Token);
                }
            }
            using (s)
            {
                var stream = new NetworkStream(s);
                byte[] data = Encoding.ASCII.GetBytes($"through {Path.GetFileName(program)}\n");
                await stream.WriteAsync(data, cts.Token);
                s.Shutdown(SocketShutdown.Send);
                var back = new MemoryStream();
                await stream.CopyToAsync(back, cts.Token);
                Assert.Equal(data, back.ToArray());
            }
            Assert.DoesNotContain("cannot bind", client.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task BindInterfaceBindsTheConnectionToAnAddressOfTheInterfaceAsSshDoes()
    {
        foreach (string program in new[] { TestPaths.HopBinary, Ssh })
        {
            var r = await ProcessRunner.RunAsync(program, await ArgsAsync(program, ["-v", "-o", "BindInterface=lo"], "echo", "bound"),
                HopCli.IsolatedEnvironment(), [], TimeSpan.FromSeconds(60));
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal("bound\n", r.Stdout);
            Assert.Contains("debug1: ssh_create_socket: bound to 127.0.0.1\n", r.Stderr.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        }
        Assert.Contains("Connection from 127.0.0.1 port", _sshd.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BindInterfaceWithoutAddressesFailsAsInSsh()
    {
        var messages = new List<string>();
        foreach (string program in new[] { TestPaths.HopBinary, Ssh })
        {
            var r = await ProcessRunner.RunAsync(program, await ArgsAsync(program, ["-o", "BindInterface=hopnosuch0"], "true"),
                HopCli.IsolatedEnvironment(), [], TimeSpan.FromSeconds(60));
            Assert.Equal(255, r.ExitCode);
            // ssh ends its log lines with \r\n; hop names itself.
            messages.Add(r.Stderr.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("hop: ", "ssh: ", StringComparison.Ordinal));
        }
        Assert.Equal($"getifaddrs: hopnosuch0: no suitable addresses\nssh: connect to host 127.0.0.1 port {P(_sshd.Port)}: failure\n", messages[0]);
        Assert.Equal(messages[1], messages[0]);
    }

    /// <summary>-b / BindAddress: the connection leaves from that address (sshd sees 127.0.0.2), given as a name too.</summary>
    [Theory]
    [InlineData("-b", "127.0.0.2", "127.0.0.2")]
    [InlineData("-o", "BindAddress=127.0.0.3", "127.0.0.3")]
    [InlineData("-b", "localhost", "127.0.0.1")]
    public async Task BindAddressIsTheConnectionsSourceAsInSsh(string flag, string value, string source)
    {
        foreach (string program in new[] { TestPaths.HopBinary, Ssh })
        {
            string marker = $"from-{program.Length}-{value}";
            var r = await ProcessRunner.RunAsync(program, await ArgsAsync(program, ["-v", flag, value], "echo", "$SSH_CLIENT", marker),
                HopCli.IsolatedEnvironment(), [], TimeSpan.FromSeconds(60));
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.StartsWith(source + " ", r.Stdout, StringComparison.Ordinal);
            Assert.EndsWith(marker + "\n", r.Stdout, StringComparison.Ordinal);
            Assert.Contains($"debug1: ssh_create_socket: bound to {source}\n", r.Stderr.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("::1", "Address family for hostname not supported")]
    [InlineData("hopnosuch.invalid", "Name or service not known")]
    public async Task BindAddressThatDoesNotSuitFailsAsInSsh(string value, string reason)
    {
        var messages = new List<string>();
        foreach (string program in new[] { TestPaths.HopBinary, Ssh })
        {
            var r = await ProcessRunner.RunAsync(program, await ArgsAsync(program, ["-b", value], "true"),
                HopCli.IsolatedEnvironment(), [], TimeSpan.FromSeconds(60));
            Assert.Equal(255, r.ExitCode);
            messages.Add(r.Stderr.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("hop: ", "ssh: ", StringComparison.Ordinal));
        }
        Assert.Equal($"getaddrinfo: {value}: {reason}\nssh: connect to host 127.0.0.1 port {P(_sshd.Port)}: failure\n", messages[0]);
        Assert.Equal(messages[1], messages[0]);
    }

    /// <summary>The IP_TOS values <paramref name="program"/> sets on its sockets, in order, seen by strace.</summary>
    private async Task<List<string>> TosSetAsync(string program, string[] options)
    {
        string trace = Path.Combine(_dir, $"strace-{Guid.NewGuid():N}");
        var args = new List<string> { "-f", "-qq", "-e", "trace=setsockopt", "-o", trace, program };
        args.AddRange(await ArgsAsync(program, options, "true"));
        var r = await ProcessRunner.RunAsync("/usr/bin/strace", args, HopCli.IsolatedEnvironment(), [], TimeSpan.FromSeconds(90));
        Assert.True(r.ExitCode == 0, r.ToString());
        return File.ReadAllLines(trace).Select(l => TosLine().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
    }

    [GeneratedRegex(@"setsockopt\(\d+, SOL_IP, IP_TOS, \[(\d+)\]")]
    private static partial Regex TosLine();

    [Theory]
    [InlineData(new string[0], new[] { "16", "8" })]
    [InlineData(new[] { "-tt" }, new[] { "16", "16" })]
    [InlineData(new[] { "-o", "IPQoS=none" }, new string[0])]
    [InlineData(new[] { "-o", "IPQoS=af11 cs1" }, new[] { "40", "32" })]
    [InlineData(new[] { "-tt", "-o", "IPQoS=ef" }, new[] { "184", "184" })]
    public async Task IpQosSetsTheTosOfTheConnectionAsSshDoes(string[] options, string[] expected)
    {
        var hop = await TosSetAsync(TestPaths.HopBinary, options);
        var ssh = await TosSetAsync(Ssh, options);
        Assert.Equal(expected, ssh);
        Assert.Equal(ssh, hop);
    }
}
