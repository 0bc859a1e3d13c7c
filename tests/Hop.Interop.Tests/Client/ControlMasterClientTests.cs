using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Client;

/// <summary>
/// `hop ssh` as a client of an OpenSSH ControlMaster (PROTOCOL.mux): sessions over the master's
/// connection with hop's stdio passed to it, and `-O check|exit`, beside OpenSSH's own `ssh -O`.
/// </summary>
public class ControlMasterClientTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;
    private string _dir = null!;
    private string _socket = null!;
    private Process? _master;

    public async Task InitializeAsync()
    {
        _sshd = await SshdServer.StartAsync();
        _dir = TestPaths.NewTempDir("hop-mux-");
        _socket = Path.Combine(_dir, "master.sock");
    }

    public async Task DisposeAsync()
    {
        if (_master is { HasExited: false })
        {
            _master.Kill(entireProcessTree: true);
            await _master.WaitForExitAsync();
        }
        _master?.Dispose();
        await _sshd.DisposeAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>OpenSSH's ssh as the master (-M -N), authenticated with the test key; returns once its socket answers.</summary>
    private async Task StartMasterAsync()
    {
        var psi = new ProcessStartInfo("/usr/bin/ssh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["-F", "/dev/null", "-p", _sshd.Port.ToString(CultureInfo.InvariantCulture), "-i", await TestKeys.UserKeyAsync(),
                     "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={_sshd.KnownHostsPath}",
                     "-o", "StrictHostKeyChecking=yes", "-M", "-S", _socket, "-N", "-E", Path.Combine(_dir, "master.log"), "-l", _sshd.User, "127.0.0.1"])
            psi.ArgumentList.Add(arg);
        _master = Process.Start(psi)!;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await OpenSshAsync("-O", "check")).ExitCode != 0)
        {
            if (_master.HasExited || DateTime.UtcNow > deadline)
                throw new InvalidOperationException("the OpenSSH master did not start: " + File.ReadAllText(Path.Combine(_dir, "master.log")));
            await Task.Delay(50);
        }
    }

    private Task<ProcessResult> OpenSshAsync(params string[] args) =>
        ProcessRunner.RunAsync("/usr/bin/ssh", ["-F", "/dev/null", "-S", _socket, .. args, "mux-host"], HopCli.IsolatedEnvironment(), [], TimeSpan.FromSeconds(30));

    /// <summary>hop with only the control socket: no key and no way to authenticate, so a session can only come through the master.</summary>
    private Task<ProcessResult> HopAsync(string[] args, byte[]? stdin = null, string socket = "") =>
        HopCli.RunAsync(["ssh", "-F", "/dev/null", "-S", socket.Length > 0 ? socket : _socket, "-o", "BatchMode=yes", "-o", "PubkeyAuthentication=no",
            "-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no", "-o", $"UserKnownHostsFile={_sshd.KnownHostsPath}",
            "-p", _sshd.Port.ToString(CultureInfo.InvariantCulture), .. args], stdin: stdin);

    private int AcceptedLogins() => _sshd.Log.Split('\n').Count(l => l.Contains("Accepted publickey", StringComparison.Ordinal));

    [Fact]
    public async Task StdioForwardGoesThroughOpenSshsMaster()
    {
        await StartMasterAsync();
        await using var echo = Forwarding.TestTcpServer.StartEcho();
        int logins = AcceptedLogins();
        byte[] data = System.Security.Cryptography.RandomNumberGenerator.GetBytes(200_000);
        var r = await HopAsync(["-W", $"127.0.0.1:{echo.Port.ToString(CultureInfo.InvariantCulture)}", "127.0.0.1"], data);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(data, r.StdoutBytes);
        Assert.Equal(logins, AcceptedLogins());
    }

    [Fact]
    public async Task ASessionRunsOverTheMastersConnectionWithStdioAndExitStatus()
    {
        await StartMasterAsync();
        int logins = AcceptedLogins();
        var r = await HopAsync(["mux-host", "cat; echo out; echo err >&2; exit 7"], "through the master\n"u8.ToArray());
        Assert.True(r.ExitCode == 7, r.ToString());
        Assert.Equal("through the master\nout\n", r.Stdout);
        Assert.Contains("err", r.Stderr, StringComparison.Ordinal);
        // No new login: the master's connection carried the session.
        Assert.Equal(logins, AcceptedLogins());

        // -n gives the master /dev/null for stdin; -tt a terminal on the remote side.
        var n = await HopAsync(["-n", "mux-host", "cat; echo done"], "not read\n"u8.ToArray());
        Assert.Equal("done\n", n.Stdout);
        var tty = await HopAsync(["-tt", "mux-host", "tty"]);
        Assert.True(tty.ExitCode == 0, tty.ToString());
        Assert.StartsWith("/dev/pts/", tty.Stdout.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForwardAndCancelAreOpenedByOpenSshsMaster()
    {
        await StartMasterAsync();
        int local = TestPaths.FreeTcpPort();
        string spec = $"127.0.0.1:{local}:127.0.0.1:{_sshd.Port}";
        var forward = await HopAsync(["-O", "forward", "-L", spec, "mux-host"]);
        Assert.True(forward.ExitCode == 0, forward.ToString());
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync("127.0.0.1", local);
            using var reader = new StreamReader(tcp.GetStream());
            Assert.StartsWith("SSH-2.0-", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)), StringComparison.Ordinal);
        }
        var cancel = await HopAsync(["-O", "cancel", "-L", spec, "mux-host"]);
        Assert.True(cancel.ExitCode == 0, cancel.ToString());
        using var refused = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => refused.ConnectAsync("127.0.0.1", local));
    }

    [Fact]
    public async Task CheckAndExitAnswerAsOpenSshsOwn()
    {
        await StartMasterAsync();
        var ours = await HopAsync(["-O", "check", "mux-host"]);
        var theirs = await OpenSshAsync("-O", "check");
        Assert.Equal((0, theirs.Stderr), (ours.ExitCode, ours.Stderr));
        Assert.Contains($"Master running (pid={_master!.Id})", ours.Stderr, StringComparison.Ordinal);

        var exit = await HopAsync(["-O", "exit", "mux-host"]);
        Assert.Equal((0, "Exit request sent.\r\n"), (exit.ExitCode, exit.Stderr));
        Assert.True(_master.WaitForExit(TimeSpan.FromSeconds(10)), "the master is still running after -O exit");
    }

    [Fact]
    public async Task NoMasterFailsOCheckAsOpenSshDoesAndASessionConnectsDirectly()
    {
        string missing = Path.Combine(_dir, "none.sock");
        var ours = await HopAsync(["-O", "check", "mux-host"], socket: missing);
        var theirs = await ProcessRunner.RunAsync("/usr/bin/ssh", ["-F", "/dev/null", "-S", missing, "-O", "check", "mux-host"], HopCli.IsolatedEnvironment(), [], TimeSpan.FromSeconds(30));
        Assert.Equal((255, theirs.Stderr.Trim()), (ours.ExitCode, ours.Stderr.Trim()));
        Assert.Contains($"Control socket connect({missing}): No such file or directory", ours.Stderr, StringComparison.Ordinal);

        // ControlMaster auto and a stale socket (nothing listens): removed, and hop logs in itself.
        using (var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            stale.Bind(new UnixDomainSocketEndPoint(missing));
        var args = await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        args.InsertRange(1, ["-o", "ControlMaster=auto", "-o", $"ControlPath={missing}"]);
        var direct = await HopCli.RunAsync([.. args, "echo direct"]);
        Assert.True(direct.ExitCode == 0, direct.ToString());
        Assert.Equal("direct\n", direct.Stdout);
        Assert.False(File.Exists(missing), "the stale control socket was left");
    }

    /// <summary>
    /// With -M (ControlMaster yes) a -O command is not sent to any master, as in ssh: the connection is
    /// made and the command runs, its control socket made and gone after (ssh -M -O check printed
    /// nothing of the check and ran the command; hop said the socket was missing and gave 255).
    /// </summary>
    [Fact]
    public async Task WithMasterYesAControlCommandIsIgnoredAsBySsh()
    {
        string socket = Path.Combine(_dir, "m.sock");
        var args = await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        args.InsertRange(1, ["-M", "-S", socket, "-O", "check"]);
        var ours = await HopCli.RunAsync([.. args, "echo ran"]);
        var theirs = await ProcessRunner.RunAsync("/usr/bin/ssh", [.. args.Skip(1), "echo ran"], HopCli.IsolatedEnvironment(), [], TimeSpan.FromSeconds(30));
        Assert.True(theirs.ExitCode == 0 && theirs.Stdout == "ran\n", theirs.ToString());
        Assert.True(ours.ExitCode == 0 && ours.Stdout == "ran\n", ours.ToString());
        Assert.False(File.Exists(socket), "the master's control socket was left");
    }

    private Task<ProcessResult> OpenSshSessionAsync(string[] args, byte[]? stdin = null) =>
        ProcessRunner.RunAsync("/usr/bin/ssh", ["-F", "/dev/null", "-S", _socket, .. args], HopCli.IsolatedEnvironment(), stdin ?? [], TimeSpan.FromSeconds(30));

    [Fact]
    public async Task ProxyModeRunsTheSessionOverOpenSshsMasterAsSshDoes()
    {
        await StartMasterAsync();
        int logins = AcceptedLogins();
        string[] command = ["-O", "proxy", "mux-host", "cat; echo out; echo err >&2; exit 7"];
        byte[] input = "through the proxy\n"u8.ToArray();
        var ours = await HopAsync(command, input);
        var theirs = await OpenSshSessionAsync(command, input);
        Assert.True(ours.ExitCode == 7, ours.ToString());
        Assert.Equal((theirs.ExitCode, theirs.Stdout, theirs.Stderr), (ours.ExitCode, ours.Stdout, ours.Stderr));
        Assert.Equal("through the proxy\nout\n", ours.Stdout);

        // Bulk data both ways, and a terminal: the same words at the end as ssh's.
        byte[] data = System.Security.Cryptography.RandomNumberGenerator.GetBytes(3_000_000);
        var bulk = await HopAsync(["-O", "proxy", "mux-host", "cat"], data);
        Assert.True(bulk.ExitCode == 0, bulk.ToString());
        Assert.Equal(data, bulk.StdoutBytes);
        var tty = await HopAsync(["-O", "proxy", "-tt", "mux-host", "tty; exit 4"]);
        var theirTty = await OpenSshSessionAsync(["-O", "proxy", "-tt", "mux-host", "tty; exit 4"]);
        Assert.True(tty.ExitCode == 4, tty.ToString());
        Assert.StartsWith("/dev/pts/", tty.Stdout.Trim(), StringComparison.Ordinal);
        // (ssh ends the line with \r\n, as after any terminal session; hop with \n, as its own sessions do.)
        Assert.Equal((theirTty.ExitCode, theirTty.Stderr.TrimEnd()), (tty.ExitCode, tty.Stderr.TrimEnd()));

        // -W does not go with -O, proxy or not: ssh's words.
        foreach (string control in new[] { "proxy", "check" })
        {
            var stdio = await HopAsync(["-O", control, "-W", "127.0.0.1:1", "mux-host"]);
            var theirStdio = await OpenSshSessionAsync(["-O", control, "-W", "127.0.0.1:1", "mux-host"]);
            Assert.Equal((255, "Cannot specify stdio forward with -O"), (theirStdio.ExitCode, theirStdio.Stderr.Trim()));
            Assert.Equal((theirStdio.ExitCode, theirStdio.Stderr.Trim()), (stdio.ExitCode, stdio.Stderr.Trim()));
        }
        // -R for a port the server chooses: OpenSSH's master keeps the server's answer from a proxy client,
        // so the port could not be learnt; hop says it leaves it out and goes on.
        var remote = await HopAsync(["-O", "proxy", "-R", "127.0.0.1:0:127.0.0.1:1", "mux-host", "echo ran"]);
        Assert.True(remote.ExitCode == 0, remote.ToString());
        Assert.Equal("ran\n", remote.Stdout);
        Assert.Contains("-R is not forwarded in proxy mode", remote.Stderr, StringComparison.Ordinal);
        // The master's connection carried it all.
        Assert.Equal(logins, AcceptedLogins());
    }

    [Fact]
    public async Task ProxyModeRemoteForwardOnAFixedPortIsServedThroughOpenSshsMasterAsSshs()
    {
        await StartMasterAsync();
        await using var echo = Forwarding.TestTcpServer.StartEcho();
        foreach (string program in new[] { TestPaths.HopBinary, "/usr/bin/ssh" })
        {
            int port = TestPaths.FreeTcpPort();
            string[] args = ["-F", "/dev/null", "-S", _socket, "-O", "proxy", "-N", "-R", $"127.0.0.1:{port}:127.0.0.1:{echo.Port}", "mux-host"];
            await using var client = Forwarding.HopProcess.Start(program == TestPaths.HopBinary ? ["ssh", .. args] : args, program);
            // No answer comes (the master keeps it), but the server listens and its connections are the client's.
            await client.WaitForPortAsync(port);
            byte[] data = System.Security.Cryptography.RandomNumberGenerator.GetBytes(300_000);
            Assert.Equal(data, await Forwarding.Transfer.EchoAsync(port, data, TimeSpan.FromSeconds(30)));
            Assert.False(client.HasExited, client.Stderr);
        }
    }

    [Fact]
    public async Task ProxyModeOpensLocalForwardsOverTheMastersConnection()
    {
        await StartMasterAsync();
        int local = TestPaths.FreeTcpPort();
        // Where the sshd's test user sees it (the test's directory is its own).
        string flag = Path.Combine(Path.GetTempPath(), $"hop-proxy-{Guid.NewGuid():N}");
        // The session lasts until the test has used the forward.
        var session = HopAsync(["-O", "proxy", "-L", $"127.0.0.1:{local}:127.0.0.1:{_sshd.Port}", "mux-host",
            $"while [ ! -e {flag} ]; do sleep 0.1; done; echo finished"]);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var tcp = new TcpClient();
            try
            {
                await tcp.ConnectAsync("127.0.0.1", local);
                using var reader = new StreamReader(tcp.GetStream());
                Assert.StartsWith("SSH-2.0-", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)), StringComparison.Ordinal);
                break;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !session.IsCompleted)
            {
                await Task.Delay(50);
            }
        }
        await File.WriteAllTextAsync(flag, "");
        ProcessResult r;
        try
        {
            r = await session;
        }
        finally
        {
            File.Delete(flag);
        }
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("finished\n", r.Stdout);
    }

    [Fact]
    public async Task ProxyModeWithNoMasterFailsAsSshDoes()
    {
        string missing = Path.Combine(_dir, "none.sock");
        var ours = await HopAsync(["-O", "proxy", "mux-host", "true"], socket: missing);
        var theirs = await ProcessRunner.RunAsync("/usr/bin/ssh", ["-F", "/dev/null", "-S", missing, "-O", "proxy", "mux-host", "true"], HopCli.IsolatedEnvironment(), [], TimeSpan.FromSeconds(30));
        Assert.Equal((255, theirs.Stderr.Trim()), (ours.ExitCode, ours.Stderr.Trim()));
        Assert.Contains($"Control socket connect({missing}): No such file or directory", ours.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadMultiplexCommandsAreRefusedAsBySsh()
    {
        var bad = await HopAsync(["-O", "bogus", "mux-host"]);
        Assert.Equal((255, "Invalid multiplex command."), (bad.ExitCode, bad.Stderr.Trim()));
        var noPath = await HopCli.RunAsync(["ssh", "-F", "/dev/null", "-O", "check", "mux-host"]);
        Assert.Equal((255, "No ControlPath specified for \"-O\" command"), (noPath.ExitCode, noPath.Stderr.Trim()));
        // A path longer than sockaddr_un holds is an error of its own, for -O and a session alike.
        string tooLong = Path.Combine(_dir, new string('a', 120));
        foreach (string[] command in new[] { ["-O", "check", "mux-host"], new[] { "mux-host", "true" } })
        {
            var ours = await HopAsync(command, socket: tooLong);
            var theirs = await ProcessRunner.RunAsync("/usr/bin/ssh", ["-F", "/dev/null", "-S", tooLong, .. command], HopCli.IsolatedEnvironment(), [], TimeSpan.FromSeconds(30));
            Assert.Equal(255, theirs.ExitCode);
            Assert.Equal((255, "hop: " + theirs.Stderr.Trim()), (ours.ExitCode, ours.Stderr.Trim()));
        }
    }
}
