using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Cli;

/// <summary>Password and keyboard-interactive logins answered through SSH_ASKPASS; dropbear as a second server.</summary>
[Collection(TestUserHomeCollection.Name)]
public class PasswordAuthCliTests
{
    private static string Askpass(string script)
    {
        var dir = TestPaths.NewTempDir();
        var path = Path.Combine(dir, "askpass");
        File.WriteAllText(path, "#!/bin/sh\n" + script);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_000_000);
        return path;
    }

    private static Dictionary<string, string?> AskpassEnv(string askpass) =>
        new() { ["SSH_ASKPASS"] = askpass, ["SSH_ASKPASS_REQUIRE"] = "force" };

    private static List<string> Args(int port, string knownHosts, string method) =>
    [
        "ssh", "-F", "/dev/null", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "-o", $"UserKnownHostsFile={knownHosts}", "-o", "StrictHostKeyChecking=yes",
        "-o", "PubkeyAuthentication=no", "-o", $"PreferredAuthentications={method}",
        "-l", TestUser.Name, "127.0.0.1", "hello",
    ];

    [Fact]
    public async Task PasswordThroughAskpass()
    {
        await using var server = await AsyncSshServer.StartAsync("password");
        var askpass = Askpass($"echo '{TestUser.Password}'\n");
        var r = await HopCli.RunAsync(Args(server.Port, server.KnownHostsPath, "password"), AskpassEnv(askpass));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("asyncssh ran: hello\n", r.Stdout);
    }

    [Fact]
    public async Task WrongPasswordIsAskedThreeTimesThenDenied()
    {
        await using var server = await AsyncSshServer.StartAsync("password");
        var dir = TestPaths.NewTempDir();
        var count = Path.Combine(dir, "count");
        var askpass = Askpass($"echo x >> {count}\necho wrong\n");
        var r = await HopCli.RunAsync(Args(server.Port, server.KnownHostsPath, "password"), AskpassEnv(askpass));
        Assert.Equal(255, r.ExitCode);
        Assert.Contains("Permission denied", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(3, File.ReadAllLines(count).Length);
    }

    [Fact]
    public async Task KeyboardInteractiveAnswersEveryPrompt()
    {
        await using var server = await AsyncSshServer.StartAsync("kbdint");
        // The askpass program is given the prompt; it answers each one.
        var askpass = Askpass($"case \"$1\" in *Password*) echo '{TestUser.Password}';; *code*) echo '{AsyncSshServer.Otp}';; *) exit 1;; esac\n");
        var r = await HopCli.RunAsync(Args(server.Port, server.KnownHostsPath, "keyboard-interactive"), AskpassEnv(askpass));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("asyncssh ran: hello\n", r.Stdout);
    }

    /// <summary>
    /// KbdInteractiveDevices goes in the request's submethods field, as ssh sends it (the AsyncSSH server shows the
    /// field in its first prompt, which askpass writes down); without it the field is empty.
    /// </summary>
    [Fact]
    public async Task KbdInteractiveDevicesAreTheRequestsSubmethodsAsInSsh()
    {
        await using var server = await AsyncSshServer.StartAsync("kbdint");
        var dir = TestPaths.NewTempDir();
        foreach (var (client, devices) in new[] { ("ssh", "pam,bsdauth"), ("hop", "pam,bsdauth"), ("ssh", ""), ("hop", "") })
        {
            string log = Path.Combine(dir, $"{client}-{devices.Length}");
            var askpass = Askpass($"echo \"$1\" >> {log}\ncase \"$1\" in *Password*) echo '{TestUser.Password}';; *code*) echo '{AsyncSshServer.Otp}';; *) exit 1;; esac\n");
            var args = Args(server.Port, server.KnownHostsPath, "keyboard-interactive");
            if (devices.Length > 0) args.InsertRange(1, ["-o", $"KbdInteractiveDevices={devices}"]);
            var r = client == "hop"
                ? await HopCli.RunAsync(args, AskpassEnv(askpass))
                : await ProcessRunner.RunAsync("/usr/bin/ssh", args.Skip(1).ToList(), AskpassEnv(askpass), [], TimeSpan.FromSeconds(60));
            Assert.True(r.ExitCode == 0, $"{client} {devices}: {r}");
            Assert.Equal("asyncssh ran: hello\n", r.Stdout);
            string expected = devices.Length > 0 ? $"Password (submethods {devices}): " : "Password: ";
            // ssh puts "(user@host) " before a keyboard-interactive prompt.
            Assert.EndsWith(") " + expected, File.ReadAllLines(log)[0], StringComparison.Ordinal);
        }
    }

    /// <summary>With HostKeyAlias, keyboard-interactive prompts name the alias, lowered, as ssh's do: "(user@alias) Password: ".</summary>
    [Fact]
    public async Task KeyboardInteractivePromptsNameTheHostKeyAliasAsInSsh()
    {
        await using var server = await AsyncSshServer.StartAsync("kbdint");
        var dir = TestPaths.NewTempDir();
        string knownHosts = server.KnownHostsFileAs("mixed-alias", dir);
        var prompts = new Dictionary<string, string[]>();
        foreach (var client in new[] { "ssh", "hop" })
        {
            string log = Path.Combine(dir, client);
            var askpass = Askpass($"echo \"$1\" >> {log}\ncase \"$1\" in *Password*) echo '{TestUser.Password}';; *code*) echo '{AsyncSshServer.Otp}';; *) exit 1;; esac\n");
            var args = Args(server.Port, knownHosts, "keyboard-interactive");
            args.InsertRange(1, ["-o", "HostKeyAlias=Mixed-Alias"]);
            var r = client == "hop"
                ? await HopCli.RunAsync(args, AskpassEnv(askpass))
                : await ProcessRunner.RunAsync("/usr/bin/ssh", args.Skip(1).ToList(), AskpassEnv(askpass), [], TimeSpan.FromSeconds(60));
            Assert.True(r.ExitCode == 0, $"{client}: {r}");
            prompts[client] = File.ReadAllLines(log);
        }
        Assert.Equal([$"({TestUser.Name}@mixed-alias) Password: ", $"({TestUser.Name}@mixed-alias) One-time code: "], prompts["ssh"]);
        Assert.Equal(prompts["ssh"], prompts["hop"]);
    }

    /// <summary>
    /// A hostile server's banner, keyboard-interactive name, instruction and prompt carry terminal
    /// control sequences (an OSC 52 clipboard write, a title change, a screen clear), a carriage
    /// return, a backslash, a bell, a backspace, DEL and a UTF-8 letter. hop shows them as ssh does,
    /// in a UTF-8 locale and in the C locale: the banner and the prompt (also the one askpass is
    /// given) escaped as ssh's utf8.c does, the name and instruction as its log lines; no escape
    /// character gets through.
    /// </summary>
    [Theory]
    [InlineData("C.UTF-8")]
    [InlineData("C")]
    public async Task AServersBannerAndPromptsAreEscapedAsSshEscapesThem(string locale)
    {
        await using var server = await AsyncSshServer.StartAsync("hostile-text");
        var dir = TestPaths.NewTempDir();
        var results = new Dictionary<string, (ProcessResult Result, byte[] Prompts)>();
        foreach (var client in new[] { "ssh", "hop" })
        {
            string log = Path.Combine(dir, client);
            var askpass = Askpass($"printf '%s\\n' \"$1\" >> {log}\ncase \"$1\" in *Password*) echo x;; *code*) echo y;; *) exit 1;; esac\n");
            var env = AskpassEnv(askpass);
            env["LC_ALL"] = locale;
            var args = Args(server.Port, server.KnownHostsPath, "keyboard-interactive");
            args.InsertRange(1, ["-o", "NumberOfPasswordPrompts=1"]);
            var r = client == "hop"
                ? await HopCli.RunAsync(args, env)
                : await ProcessRunner.RunAsync("/usr/bin/ssh", args.Skip(1).ToList(), env, [], TimeSpan.FromSeconds(60));
            Assert.True(r.ExitCode == 255, $"{client}: {r}");
            results[client] = (r, File.ReadAllBytes(log));
        }
        var (ssh, hop) = (results["ssh"], results["hop"]);
        Assert.Contains(@"(hoptest@127.0.0.1) Password A\033]52;c;aG9wCg==\007B", System.Text.Encoding.UTF8.GetString(ssh.Prompts), StringComparison.Ordinal);
        Assert.Equal(ssh.Prompts, hop.Prompts);
        // ssh ends its log lines with CR LF; hop's error line starts with "hop: ".
        string sshErr = ssh.Result.Stderr.Replace("\r\n", "\n", StringComparison.Ordinal);
        string hopErr = hop.Result.Stderr.Replace("hop: ", "", StringComparison.Ordinal);
        Assert.Contains(@"banner A\033]52;c;", sshErr, StringComparison.Ordinal);
        Assert.Equal(sshErr, hopErr);
        Assert.DoesNotContain("\u001b", hop.Result.Stderr + System.Text.Encoding.UTF8.GetString(hop.Prompts), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BatchModeNeverPrompts()
    {
        await using var server = await AsyncSshServer.StartAsync("password");
        var askpass = Askpass($"echo '{TestUser.Password}'\n");
        var args = Args(server.Port, server.KnownHostsPath, "password");
        args.InsertRange(1, ["-o", "BatchMode=yes"]);
        var r = await HopCli.RunAsync(args, AskpassEnv(askpass));
        Assert.Equal(255, r.ExitCode);
        Assert.Contains("Permission denied", r.Stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// The password's length does not show on the wire, as with ssh (which pads the request to 64
    /// bytes): through a relay that counts what the client sends to sshd, a 1-byte and a 14-byte
    /// wrong password cost the same number of bytes, for hop as for ssh; unpadded, the longer one
    /// takes one more cipher block.
    /// </summary>
    [Fact]
    public async Task APasswordsLengthDoesNotShowInWhatIsSent()
    {
        await using var sshd = await SshdServer.StartAsync();
        var sent = new Dictionary<string, long>();
        foreach (var client in new[] { "ssh", "hop" })
        {
            foreach (var password in new[] { "a", "abcdefghijklmn" })
            {
                using var relay = new CountingRelay(sshd.Port);
                var askpass = Askpass($"echo '{password}'\n");
                var args = Args(relay.Port, sshd.KnownHostsPath, "password");
                args.InsertRange(1, ["-o", "NumberOfPasswordPrompts=1", "-o", "KexAlgorithms=curve25519-sha256", "-c", "aes128-gcm@openssh.com",
                    "-o", "HostKeyAlias=" + $"[127.0.0.1]:{sshd.Port}"]);
                var r = client == "hop"
                    ? await HopCli.RunAsync(args, AskpassEnv(askpass))
                    : await ProcessRunner.RunAsync("/usr/bin/ssh", args.Skip(1).ToList(), AskpassEnv(askpass), [], TimeSpan.FromSeconds(60));
                Assert.True(r.ExitCode == 255 && r.Stderr.Contains("Permission denied", StringComparison.Ordinal), $"{client}: {r}");
                sent[$"{client} {password.Length}"] = await relay.ClientBytesAsync();
            }
        }
        Assert.Equal(sent["ssh 1"], sent["ssh 14"]);
        Assert.True(sent["hop 1"] == sent["hop 14"], string.Join(", ", sent));
    }

    /// <summary>Relays one connection to 127.0.0.1:<c>target</c> and counts the bytes the client sent.</summary>
    private sealed class CountingRelay : IDisposable
    {
        private readonly System.Net.Sockets.TcpListener _listener = new(System.Net.IPAddress.Loopback, 0);
        private readonly Task<long> _relaying;

        public CountingRelay(int target)
        {
            _listener.Start();
            _relaying = RelayAsync(target);
        }

        public int Port => ((System.Net.IPEndPoint)_listener.LocalEndpoint).Port;

        public Task<long> ClientBytesAsync() => _relaying.WaitAsync(TimeSpan.FromSeconds(30));

        private async Task<long> RelayAsync(int target)
        {
            using var client = await _listener.AcceptSocketAsync();
            using var server = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            await server.ConnectAsync(System.Net.IPAddress.Loopback, target);
            var up = Pump(client, server);
            var down = Pump(server, client);
            await Task.WhenAll(up, down);
            return await up;
        }

        /// <summary>Copies until the end or a reset, then ends the other side's sending half; the sockets stay open for the other direction.</summary>
        private static async Task<long> Pump(System.Net.Sockets.Socket from, System.Net.Sockets.Socket to)
        {
            var buffer = new byte[65536];
            long total = 0;
            try
            {
                int n;
                while ((n = await from.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None)) > 0)
                {
                    total += n;
                    await to.SendAsync(buffer.AsMemory(0, n), System.Net.Sockets.SocketFlags.None);
                }
                to.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            }
            catch (System.Net.Sockets.SocketException)
            {
                // One side reset the connection; what it sent before counts, and the other side is told.
                try
                {
                    to.Shutdown(System.Net.Sockets.SocketShutdown.Both);
                }
                catch (System.Net.Sockets.SocketException)
                {
                    // Gone already.
                }
            }
            return total;
        }

        public void Dispose() => _listener.Stop();
    }

    [Fact]
    public async Task PasswordAgainstOpenSshSshd()
    {
        await using var sshd = await SshdServer.StartAsync();
        var askpass = Askpass($"echo '{TestUser.Password}'\n");
        var args = Args(sshd.Port, sshd.KnownHostsPath, "password");
        args[^1] = "id -un";
        var r = await HopCli.RunAsync(args, AskpassEnv(askpass));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(TestUser.Name + "\n", r.Stdout);
    }

    [Theory]
    [InlineData("ed25519", "ed25519")]
    [InlineData("ecdsa", "ecdsa256")]
    [InlineData("rsa", "rsa")]
    public async Task DropbearRunsACommand(string hostKeyType, string userKey)
    {
        await using var server = await DropbearServer.StartAsync(hostKeyType);
        var args = await HopCli.SshArgsAsync(server.Port, server.User, server.KnownHostsPath, userKey);
        args.Add("echo dropbear; exit 4");
        var r = await HopCli.RunAsync(args);
        Assert.True(r.ExitCode == 4, r.ToString());
        Assert.Equal("dropbear\n", r.Stdout);
    }
}
