using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Forwarding;

/// <summary>
/// ProxyUseFdpass: the ProxyCommand dials by itself and passes the connected socket back over its stdout (SCM_RIGHTS);
/// ssh and hop then speak SSH over that socket. Side by side with OpenSSH's ssh against one sshd.
/// </summary>
public class ProxyUseFdpassTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;
    private string _dir = null!;

    public async Task InitializeAsync()
    {
        _sshd = await SshdServer.StartAsync();
        _dir = TestPaths.NewTempDir();
        // The dialer: connects to %h %p, passes the socket back on its stdout (a Unix socket), notes that it ran.
        Script("dial", $"""
            #!/usr/bin/python3
            import socket, sys
            s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
            socket.send_fds(socket.socket(fileno=1), [b"\0"], [s.fileno()])
            open("{_dir}/dialed", "a").write("x")
            """);
        Script("nopass", "#!/bin/sh\nexit 0\n");
        // A plain ProxyCommand for comparison: relays its stdin and stdout to %h %p.
        Script("relay", """
            #!/usr/bin/python3
            import os, socket, sys, threading
            s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
            def up():
                while d := os.read(0, 65536):
                    s.sendall(d)
                s.shutdown(socket.SHUT_WR)
            threading.Thread(target=up, daemon=True).start()
            while d := s.recv(65536):
                os.write(1, d)
            """);
        Script("shell", $"#!/bin/sh\necho \"$*\" >> {_dir}/shell-args\nexec /bin/sh \"$@\"\n");
    }

    public async Task DisposeAsync() => await _sshd.DisposeAsync();

    private void Script(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text.Replace("\r", "", StringComparison.Ordinal) + "\n");
        File.SetUnixFileMode(path, (UnixFileMode)0b111_000_000);
    }

    private async Task<ProcessResult> RunAsync(string client, string proxyCommand)
    {
        var args = await _sshd.OpenSshArgsAsync();
        args.InsertRange(0, ["-o", "ProxyUseFdpass=yes", "-o", $"ProxyCommand={proxyCommand}"]);
        args.Add("echo in");
        return client == "hop"
            ? await HopCli.RunAsync(["ssh", .. args])
            : await ProcessRunner.RunAsync("/usr/bin/ssh", args, new Dictionary<string, string?> { ["SSH_AUTH_SOCK"] = null }, [], TimeSpan.FromSeconds(60));
    }

    [Theory]
    [InlineData("ssh")]
    [InlineData("hop")]
    public async Task TheSocketTheDialerPassesBackCarriesTheConnection(string client)
    {
        var r = await RunAsync(client, $"{_dir}/dial %h %p");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("in\n", r.Stdout);
        Assert.Equal("x", File.ReadAllText(Path.Combine(_dir, "dialed")));
        File.Delete(Path.Combine(_dir, "dialed"));
    }

    [Theory]
    [InlineData("ssh")]
    [InlineData("hop")]
    public async Task ADialerThatPassesNothingBackEndsTheConnection(string client)
    {
        var r = await RunAsync(client, $"{_dir}/nopass");
        Assert.Equal(255, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Contains("proxy dialer did not pass back a connection", r.Stderr, StringComparison.Ordinal);
    }

    /// <summary>As ssh, the proxy command runs in the user's $SHELL with -c "exec COMMAND", dialer or not.</summary>
    [Theory]
    [InlineData("ssh", "yes")]
    [InlineData("hop", "yes")]
    [InlineData("ssh", "no")]
    [InlineData("hop", "no")]
    public async Task TheCommandRunsInTheUsersShell(string client, string fdpass)
    {
        string command = fdpass == "yes" ? $"{_dir}/dial %h %p" : $"{_dir}/relay %h %p";
        var args = await _sshd.OpenSshArgsAsync();
        args.InsertRange(0, ["-o", $"ProxyUseFdpass={fdpass}", "-o", $"ProxyCommand={command}"]);
        args.Add("echo in");
        var env = new Dictionary<string, string?> { ["SHELL"] = $"{_dir}/shell", ["SSH_AUTH_SOCK"] = null };
        var r = client == "hop"
            ? await HopCli.RunAsync(["ssh", .. args], env)
            : await ProcessRunner.RunAsync("/usr/bin/ssh", args, env, [], TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("in\n", r.Stdout);
        string expanded = command.Replace("%h", _sshd.Host, StringComparison.Ordinal)
            .Replace("%p", _sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal([$"-c exec {expanded}"], File.ReadAllLines(Path.Combine(_dir, "shell-args")));
    }

    [Fact]
    public async Task GDumpShowsTheOption()
    {
        foreach (string value in new[] { "yes", "no" })
        {
            string[] args = ["-G", "-F", "/dev/null", "-o", $"ProxyUseFdpass={value}", "h"];
            var ssh = await ProcessRunner.RunAsync("/usr/bin/ssh", args, null, [], TimeSpan.FromSeconds(30));
            var hop = await HopCli.RunAsync(["ssh", .. args]);
            string line = $"proxyusefdpass {value}";
            Assert.Contains(line, ssh.Stdout.Split('\n'));
            Assert.Contains(line, hop.Stdout.Split('\n'));
        }
    }
}
