using System.Diagnostics;
using System.Globalization;
using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Client;

/// <summary>
/// `hop ssh -M` / ControlMaster auto as the master (PROTOCOL.mux): OpenSSH's `ssh -S` and `hop ssh -S`
/// run sessions over hop's connection; -O check, exit and stop; a path in use; another user refused.
/// </summary>
public class ControlMasterServerTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;
    private string _dir = null!;
    private string _socket = null!;
    private readonly List<Process> _processes = [];

    public async Task InitializeAsync()
    {
        _sshd = await SshdServer.StartAsync();
        _dir = TestPaths.NewTempDir("hop-muxmaster-");
        _socket = Path.Combine(_dir, "master.sock");
    }

    public async Task DisposeAsync()
    {
        foreach (var p in _processes)
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
                await p.WaitForExitAsync();
            }
            p.Dispose();
        }
        await _sshd.DisposeAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private async Task<List<string>> HopArgsAsync(params string[] options)
    {
        var args = await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        args.InsertRange(1, options);
        return args;
    }

    /// <summary>Starts `hop ssh` with <paramref name="args"/> as a long-running process (stdio unread; a master writes nothing).</summary>
    private Process StartHop(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(TestPaths.HopBinary)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, _) in HopCli.IsolatedEnvironment()) psi.Environment.Remove(k);
        var p = Process.Start(psi)!;
        _processes.Add(p);
        return p;
    }

    private async Task<Process> StartHopMasterAsync()
    {
        var master = StartHop(await HopArgsAsync("-M", "-S", _socket, "-N"));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await OpenSshAsync("-O", "check")).ExitCode != 0)
        {
            if (master.HasExited) throw new InvalidOperationException("hop's master ended: " + await master.StandardError.ReadToEndAsync());
            if (DateTime.UtcNow > deadline) throw new TimeoutException("hop's master did not listen on " + _socket);
            await Task.Delay(50);
        }
        return master;
    }

    private Task<ProcessResult> OpenSshAsync(string[] args, byte[]? stdin = null, string? user = null) =>
        user is null
            ? ProcessRunner.RunAsync("/usr/bin/ssh", ["-F", "/dev/null", "-S", _socket, .. args, "mux-host"], HopCli.IsolatedEnvironment(), stdin ?? [], TimeSpan.FromSeconds(30))
            : ProcessRunner.RunAsync("/usr/bin/setpriv", ["--reuid", user, "--regid", user, "--clear-groups", "/usr/bin/ssh", "-F", "/dev/null", "-S", _socket, .. args, "mux-host"],
                HopCli.IsolatedEnvironment(), stdin ?? [], TimeSpan.FromSeconds(30));

    private Task<ProcessResult> OpenSshAsync(params string[] args) => OpenSshAsync(args, null);

    private Task<ProcessResult> OpenSshRunAsync(string[] options, string command, byte[]? stdin = null) =>
        ProcessRunner.RunAsync("/usr/bin/ssh", ["-F", "/dev/null", "-S", _socket, .. options, "mux-host", command], HopCli.IsolatedEnvironment(), stdin ?? [], TimeSpan.FromSeconds(30));

    private int AcceptedLogins() => _sshd.Log.Split('\n').Count(l => l.Contains("Accepted publickey", StringComparison.Ordinal));

    [Fact]
    public async Task OpenSshsClientRunsSessionsOverHopsConnection()
    {
        var master = await StartHopMasterAsync();
        int logins = AcceptedLogins();
        var check = await OpenSshAsync("-O", "check");
        Assert.Contains($"Master running (pid={master.Id})", check.Stderr, StringComparison.Ordinal);

        var r = await OpenSshRunAsync([], "cat; echo out; echo err >&2; exit 5", "into the master\n"u8.ToArray());
        Assert.True(r.ExitCode == 5, r.ToString());
        Assert.Equal("into the master\nout\n", r.Stdout);
        Assert.Contains("err", r.Stderr, StringComparison.Ordinal);
        var tty = await OpenSshRunAsync(["-tt"], "tty");
        Assert.StartsWith("/dev/pts/", tty.Stdout.Trim(), StringComparison.Ordinal);
        Assert.Equal(logins, AcceptedLogins());

        var exit = await OpenSshAsync("-O", "exit");
        Assert.True(exit.ExitCode == 0, exit.ToString());
        Assert.True(master.WaitForExit(TimeSpan.FromSeconds(10)), "hop's master is still running after -O exit");
        Assert.Equal(0, master.ExitCode);
        Assert.False(File.Exists(_socket), "the control socket was left behind");
    }

    [Fact]
    public async Task ProxyModeClientsOfSshAndHopRunOverHopsConnection()
    {
        var master = await StartHopMasterAsync();
        int logins = AcceptedLogins();
        // Two of OpenSSH's proxy clients at once (their channel numbers collide; the master renumbers them).
        var first = OpenSshRunAsync(["-O", "proxy"], "cat; echo out; echo err >&2; exit 5", "first\n"u8.ToArray());
        var second = OpenSshRunAsync(["-O", "proxy"], "cat; exit 6", "second\n"u8.ToArray());
        var (a, b) = (await first, await second);
        Assert.True(a.ExitCode == 5, a.ToString());
        Assert.Equal("first\nout\n", a.Stdout);
        Assert.Contains("err", a.Stderr, StringComparison.Ordinal);
        Assert.True(b.ExitCode == 6, b.ToString());
        Assert.Equal("second\n", b.Stdout);

        byte[] data = System.Security.Cryptography.RandomNumberGenerator.GetBytes(3_000_000);
        var bulk = await OpenSshRunAsync(["-O", "proxy"], "cat", data);
        Assert.True(bulk.ExitCode == 0, bulk.ToString());
        Assert.Equal(data, bulk.StdoutBytes);
        var tty = await OpenSshRunAsync(["-O", "proxy", "-tt"], "tty; exit 4");
        Assert.True(tty.ExitCode == 4, tty.ToString());
        Assert.StartsWith("/dev/pts/", tty.Stdout.Trim(), StringComparison.Ordinal);

        // hop's own proxy client through hop's master.
        var hop = await HopCli.RunAsync(["ssh", "-F", "/dev/null", "-S", _socket, "-O", "proxy", "mux-host", "echo from hop; exit 3"]);
        Assert.True(hop.ExitCode == 3, hop.ToString());
        Assert.Equal("from hop\n", hop.Stdout);

        Assert.Equal(logins, AcceptedLogins());
        Assert.False(master.HasExited);
        Assert.Equal(0, (await OpenSshAsync("-O", "check")).ExitCode);
    }

    [Fact]
    public async Task ProxyClientsOfSshAndHopGetRemoteForwardsThroughHopsMaster()
    {
        await StartHopMasterAsync();
        int logins = AcceptedLogins();
        await using var echo = Forwarding.TestTcpServer.StartEcho();
        foreach (string program in new[] { TestPaths.HopBinary, "/usr/bin/ssh" })
        {
            string[] args = ["-F", "/dev/null", "-S", _socket, "-O", "proxy", "-N", "-R", $"127.0.0.1:0:127.0.0.1:{echo.Port}", "mux-host"];
            int port;
            await using (var client = Forwarding.HopProcess.Start(program == TestPaths.HopBinary ? ["ssh", .. args] : args, program))
            {
                // The server's answer reaches the client through hop's master: it learns the port (OpenSSH's master keeps the answer).
                string stderr = await client.WaitForStderrAsync("Allocated port");
                var m = System.Text.RegularExpressions.Regex.Match(stderr, @"Allocated port (\d+) for remote forward to 127\.0\.0\.1:(\d+)");
                Assert.True(m.Success, stderr);
                port = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                // The server's connections to it are the client's.
                byte[] data = System.Security.Cryptography.RandomNumberGenerator.GetBytes(300_000);
                Assert.Equal(data, await Forwarding.Transfer.EchoAsync(port, data, TimeSpan.FromSeconds(30)));
                Assert.False(client.HasExited, client.Stderr);
            }
            // The client has gone: the master cancelled its forward, and the server no longer listens there.
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (Listening(port))
            {
                Assert.True(DateTime.UtcNow < deadline, $"{program}'s forward on port {port} outlived it");
                await Task.Delay(50);
            }
        }
        Assert.Equal(logins, AcceptedLogins());
        Assert.Equal(0, (await OpenSshAsync("-O", "check")).ExitCode);
    }

    private static bool Listening(int port)
    {
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        try
        {
            probe.Connect(System.Net.IPAddress.Loopback, port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    [Fact]
    public async Task AProxyClientThatUsesAChannelItDidNotOpenIsDroppedAndTheMasterGoesOn()
    {
        var master = await StartHopMasterAsync();
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        await socket.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(_socket));
        using var stream = new System.Net.Sockets.NetworkStream(socket);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        // Hello (version 4), then MUX_C_PROXY with request id 0.
        await stream.WriteAsync(new byte[] { 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 8, 0x10, 0, 0, 0x0f, 0, 0, 0, 0 }, timeout.Token);
        // The master's hello (with its extension), then MUX_S_PROXY.
        var length = new byte[4];
        await stream.ReadExactlyAsync(length, timeout.Token);
        var hello = new byte[System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(length)];
        await stream.ReadExactlyAsync(hello, timeout.Token);
        Assert.Contains("proxy-global-requests@hop", System.Text.Encoding.Latin1.GetString(hello), StringComparison.Ordinal);
        var replies = new byte[12];
        await stream.ReadExactlyAsync(replies, timeout.Token);
        Assert.Equal(new byte[] { 0, 0, 0, 8, 0x80, 0, 0, 0x0f, 0, 0, 0, 0 }, replies);
        // CHANNEL_EOF for a channel it never opened: the master closes the socket.
        await stream.WriteAsync(new byte[] { 0, 0, 0, 6, 0, 96, 0, 0, 0, 0 }, timeout.Token);
        Assert.Equal(0, await stream.ReadAsync(new byte[16], timeout.Token));
        Assert.False(master.HasExited);
        var r = await OpenSshRunAsync(["-O", "proxy"], "echo still");
        Assert.Equal((0, "still\n"), (r.ExitCode, r.Stdout));
    }

    [Fact]
    public async Task StdioForwardsOfSshAndHopClientsGoThroughHopsMaster()
    {
        await StartHopMasterAsync();
        await using var echo = Forwarding.TestTcpServer.StartEcho();
        int logins = AcceptedLogins();
        string target = $"127.0.0.1:{echo.Port.ToString(CultureInfo.InvariantCulture)}";
        byte[] data = System.Security.Cryptography.RandomNumberGenerator.GetBytes(200_000);
        var ssh = await OpenSshAsync(["-W", target], data);
        Assert.True(ssh.ExitCode == 0, ssh.ToString());
        Assert.Equal(data, ssh.StdoutBytes);
        var hop = await HopCli.RunAsync(["ssh", "-F", "/dev/null", "-S", _socket, "-o", "BatchMode=yes", "-W", target, "mux-host"], stdin: data);
        Assert.True(hop.ExitCode == 0, hop.ToString());
        Assert.Equal(data, hop.StdoutBytes);
        Assert.Equal(logins, AcceptedLogins());

        // A target that refuses: the master says so, and the client fails as ssh's does.
        string closed = $"127.0.0.1:{TestPaths.FreeTcpPort().ToString(CultureInfo.InvariantCulture)}";
        var refused = await OpenSshAsync(["-W", closed], []);
        Assert.NotEqual(0, refused.ExitCode);
        var hopRefused = await HopCli.RunAsync(["ssh", "-F", "/dev/null", "-S", _socket, "-o", "BatchMode=yes", "-W", closed, "mux-host"]);
        Assert.Equal(255, hopRefused.ExitCode);
        Assert.Contains("stdio forward failed", hopRefused.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EscapesInAClientsTerminalSessionAreTheMastersAndTildeDotEndsThatSessionOnly()
    {
        var master = await StartHopMasterAsync();
        // OpenSSH's client in a terminal: it sends its escape character, and the master looks for it.
        string code = Path.Combine(_dir, "code");
        string script = Path.Combine(_dir, "client.sh");
        await File.WriteAllTextAsync(script,
            "#!/bin/sh\nunset SSH_AUTH_SOCK DISPLAY\n" +
            $"/usr/bin/ssh -F /dev/null -S '{_socket}' mux-host\necho $? > '{code}.tmp'; mv '{code}.tmp' '{code}'\nsleep 60\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_000_000);
        await using var pane = await Terminal.TmuxPane.StartAsync(script);
        await pane.TypeLineAsync("echo RE$((1+1))ADY");
        await pane.WaitForAsync("RE2ADY");

        await pane.SendKeysAsync("Enter");
        await pane.SendKeysAsync("-l", "~?");
        string help = await pane.WaitForAsync("(Note that escapes are only recognized immediately after newline.)");
        Assert.Contains(" ~.   - terminate session", help, StringComparison.Ordinal);
        Assert.Contains(" ~#   - list forwarded connections", help, StringComparison.Ordinal);
        Assert.DoesNotContain("open a command line", help, StringComparison.Ordinal);
        Assert.DoesNotContain("terminate connection", help, StringComparison.Ordinal);

        await pane.SendKeysAsync("-l", "~C");
        await pane.WaitForAsync("~C is not supported in multiplexed sessions");
        await pane.SendKeysAsync("-l", "~#");
        string list = await pane.WaitForAsync("The following connections are open:");
        Assert.Matches(@"#\d+ .*\(\[session\] r\d+\)", list);
        Assert.False(File.Exists(code), "the client ended before ~.");

        await pane.SendKeysAsync("-l", "~.");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!File.Exists(code))
        {
            Assert.True(DateTime.UtcNow < deadline, "~. did not end the client's session:\n" + await pane.CaptureAsync());
            await Task.Delay(100);
        }
        Assert.Equal("255", (await File.ReadAllTextAsync(code)).Trim());
        // The session went; the master and its connection stay for the next client.
        Assert.False(master.HasExited, "~. in a client's session ended the master");
        var next = await OpenSshRunAsync([], "echo still-shared");
        Assert.Equal((0, "still-shared\n"), (next.ExitCode, next.Stdout));
    }

    [Fact]
    public async Task ControlMasterAutoSharesTheFirstConnectionAndWaitsForItsClients()
    {
        string[] auto = ["-o", "ControlMaster=auto", "-o", $"ControlPath={_socket}"];
        var first = StartHop([.. await HopArgsAsync(auto), "echo first; sleep 2; echo first-end"]);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!File.Exists(_socket))
        {
            Assert.True(DateTime.UtcNow < deadline && !first.HasExited, "the first hop did not become a master");
            await Task.Delay(20);
        }
        int logins = AcceptedLogins();
        var second = await HopCli.RunAsync([.. await HopArgsAsync(auto), "echo second; sleep 3; echo second-end"]);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal("second\nsecond-end\n", second.Stdout);
        Assert.Equal(logins, AcceptedLogins());
        // The first ended its own session while the second's ran, stayed until that one ended, then went.
        Assert.True(first.WaitForExit(TimeSpan.FromSeconds(10)), "the first hop outlived the session it carried");
        Assert.Equal("first\nfirst-end\n", await first.StandardOutput.ReadToEndAsync());
        Assert.Equal(0, first.ExitCode);
        Assert.False(File.Exists(_socket));
    }

    [Fact]
    public async Task ControlPersistLeavesAMasterInTheBackgroundUntilItIsIdle()
    {
        // Long enough an idle time that a loaded machine still asks -O check inside it (2 s once was not).
        var args = await HopArgsAsync("-o", "ControlMaster=auto", "-o", $"ControlPath={_socket}", "-o", "ControlPersist=6");
        int logins = AcceptedLogins();
        var first = await HopCli.RunAsync([.. args, "echo one"]);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal("one\n", first.Stdout);
        Assert.True(File.Exists(_socket), "no master stayed behind");
        var second = await HopCli.RunAsync([.. args, "echo two; exit 3"]);
        Assert.Equal((3, "two\n"), (second.ExitCode, second.Stdout));
        // One login served both, and the master outlived the command that started it.
        Assert.Equal(logins + 1, AcceptedLogins());
        var check = await OpenSshAsync("-O", "check");
        Assert.Contains("Master running", check.Stderr, StringComparison.Ordinal);
        // Six seconds without a client, and it goes.
        var deadline = DateTime.UtcNow.AddSeconds(40);
        while (File.Exists(_socket))
        {
            Assert.True(DateTime.UtcNow < deadline, "the ControlPersist master did not leave when idle");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task APathInUseDisablesMultiplexingAsInOpenSsh()
    {
        var master = await StartHopMasterAsync();
        var ours = await HopCli.RunAsync([.. await HopArgsAsync("-M", "-S", _socket), "echo ran"]);
        Assert.True(ours.ExitCode == 0, ours.ToString());
        Assert.Equal("ran\n", ours.Stdout);
        var theirs = await ProcessRunner.RunAsync("/usr/bin/ssh", [.. (await _sshd.OpenSshArgsAsync()).Take(..^1), "-M", "-S", _socket, _sshd.Host, "true"],
            HopCli.IsolatedEnvironment(), [], TimeSpan.FromSeconds(30));
        string expected = $"ControlSocket {_socket} already exists, disabling multiplexing";
        Assert.Contains(expected, theirs.Stderr, StringComparison.Ordinal);
        Assert.Contains(expected, ours.Stderr, StringComparison.Ordinal);
        Assert.False(master.HasExited);
    }

    [Fact]
    public async Task StopEndsListeningAndAnotherUsersClientIsRefused()
    {
        var master = await StartHopMasterAsync();
        // Even with a socket mode that lets it connect, a client of another user gets no answer.
        File.SetUnixFileMode(_dir, (UnixFileMode)0b111_001_001);
        File.SetUnixFileMode(_socket, (UnixFileMode)0b110_110_110);
        var stranger = await OpenSshAsync(["-O", "check"], user: "65534");
        Assert.NotEqual(0, stranger.ExitCode);
        Assert.DoesNotContain("Master running", stranger.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Permission denied", stranger.Stderr, StringComparison.Ordinal); // it did connect

        var stop = await HopCli.RunAsync(["ssh", "-F", "/dev/null", "-S", _socket, "-O", "stop", "mux-host"]);
        Assert.Equal((0, "Stop listening request sent.\r\n"), (stop.ExitCode, stop.Stderr));
        Assert.False(File.Exists(_socket));
        // A -N master with nothing left to serve then ends, as ssh's.
        Assert.True(master.WaitForExit(TimeSpan.FromSeconds(10)), "the -N master stayed after -O stop with no clients");
        Assert.Equal(0, master.ExitCode);
    }

    /// <summary>Whether something on 127.0.0.1:<paramref name="port"/> answers with an SSH version line (the sshd, forwarded).</summary>
    private static async Task<bool> SshdAnswersAtAsync(int port)
    {
        try
        {
            using var tcp = new System.Net.Sockets.TcpClient();
            await tcp.ConnectAsync("127.0.0.1", port);
            using var reader = new StreamReader(tcp.GetStream());
            var line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
            return line?.StartsWith("SSH-2.0-", StringComparison.Ordinal) == true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    [Fact]
    public async Task ForwardAndCancelFromOpenSshsClientOpenOnHopsConnection()
    {
        await StartHopMasterAsync();
        int local = TestPaths.FreeTcpPort();
        string spec = $"127.0.0.1:{local}:127.0.0.1:{_sshd.Port}";
        var forward = await OpenSshAsync("-O", "forward", "-L", spec);
        Assert.True(forward.ExitCode == 0, forward.ToString());
        Assert.True(await SshdAnswersAtAsync(local), "the -L forward opened through the master does not reach the sshd");

        // -R with port 0: the port the server chose comes back, printed by ssh.
        var remote = await OpenSshAsync("-O", "forward", "-R", $"127.0.0.1:0:127.0.0.1:{_sshd.Port}");
        Assert.True(remote.ExitCode == 0, remote.ToString());
        int allocated = int.Parse(remote.Stdout.Trim(), CultureInfo.InvariantCulture);
        Assert.True(await SshdAnswersAtAsync(allocated), "the -R forward's allocated port does not reach the sshd");

        var cancel = await OpenSshAsync("-O", "cancel", "-L", spec);
        Assert.True(cancel.ExitCode == 0, cancel.ToString());
        Assert.False(await SshdAnswersAtAsync(local), "the -L forward still listens after -O cancel");
    }
}
