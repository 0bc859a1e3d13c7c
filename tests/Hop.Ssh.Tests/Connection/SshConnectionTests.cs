using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using Hop.Ssh.Connection;
using Hop.Ssh.Connection.Messages;

namespace Hop.Ssh.Tests.Connection;

public sealed class SshConnectionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private sealed record Harness(SshConnection Client, ScriptedServer Server, InMemoryPacketConnection ClientEnd, InMemoryPacketConnection ServerEnd) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await ServerEnd.DisposeAsync();
            await Server.Loop.WaitAsync(Timeout);
        }
    }

    private static Harness Start(SshConnectionOptions? options = null, uint serverWindow = 64 * 1024, uint serverMaxPacket = 16 * 1024)
    {
        var (clientEnd, serverEnd) = InMemoryPacketConnection.CreatePair();
        var server = new ScriptedServer(serverEnd) { Window = serverWindow, MaxPacket = serverMaxPacket };
        server.Start();
        var client = new SshConnection(clientEnd, options ?? new SshConnectionOptions { HostName = "testhost" });
        client.Start();
        return new Harness(client, server, clientEnd, serverEnd);
    }

    private static SshConnectionOptions SmallWindows => new() { HostName = "testhost", InitialWindowSize = 64 * 1024, MaximumPacketSize = 16 * 1024 };

    private static async Task<byte[]> ReadAllAsync(PipeReader reader)
    {
        using var output = new MemoryStream();
        while (true)
        {
            var result = await reader.ReadAsync().AsTask().WaitAsync(Timeout);
            foreach (var segment in result.Buffer) output.Write(segment.Span);
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted) return output.ToArray();
        }
    }

    private static async Task<(long Length, string Sha256)> HashAllAsync(Stream stream)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[40000];
        long total = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer).AsTask().WaitAsync(Timeout)) > 0)
        {
            hash.AppendData(buffer, 0, n);
            total += n;
        }
        return (total, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    private static string PatternSha256(long length)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (long o = 0; o < length; o += 100_000) hash.AppendData(ScriptedServer.Pattern(o, (int)Math.Min(100_000, length - o)));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    [Fact]
    public async Task ExecKeepsStdoutAndStderrApartAndReportsExitStatus()
    {
        await using var h = Start();
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Timeout);
        await session.ExecAsync("split").WaitAsync(Timeout);
        var stdout = ReadAllAsync(session.Output);
        var stderr = ReadAllAsync(session.ExtendedOutput);
        Assert.Equal("out", Encoding.ASCII.GetString(await stdout));
        Assert.Equal("err", Encoding.ASCII.GetString(await stderr));
        var exit = await session.Exit.WaitAsync(Timeout);
        Assert.Equal(3, exit.ExitStatus);
        Assert.Null(exit.Signal);
        await session.Closed.WaitAsync(Timeout);
        Assert.Equal(0, h.Client.ChannelCount);
        Assert.Empty(h.Server.Violations);
    }

    [Fact]
    public async Task ExecReportsExitSignal()
    {
        await using var h = Start();
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Timeout);
        await session.ExecAsync("kill").WaitAsync(Timeout);
        var exit = await session.Exit.WaitAsync(Timeout);
        Assert.Null(exit.ExitStatus);
        Assert.Equal(new ExitSignal("TERM", true, "killed"), exit.Signal);
    }

    [Fact]
    public async Task RefusedExecThrows()
    {
        await using var h = Start();
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Timeout);
        var e = await Assert.ThrowsAsync<SshChannelException>(() => session.ExecAsync("fail").WaitAsync(Timeout));
        Assert.Equal($"exec request failed on channel {session.LocalChannelId}", e.Message);
    }

    [Fact]
    public async Task StdinEofReachesTheServer()
    {
        await using var h = Start();
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Timeout);
        await session.ExecAsync("cat").WaitAsync(Timeout);
        await using (var stdin = session.GetInputStream())
        {
            await stdin.WriteAsync("hello, "u8.ToArray());
            await stdin.WriteAsync("world"u8.ToArray());
        }
        // cat ends only when our EOF arrives.
        Assert.Equal("hello, world", Encoding.ASCII.GetString(await ReadAllAsync(session.Output)));
        Assert.Equal(0, (await session.Exit.WaitAsync(Timeout)).ExitStatus);
        await Assert.ThrowsAsync<SshChannelException>(async () => await session.WriteAsync("late"u8.ToArray()));
    }

    [Fact]
    public async Task SixteenMegabytesUploadIntactThroughSmallWindows()
    {
        await using var h = Start(SmallWindows);
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Timeout);
        await session.ExecAsync("sha256").WaitAsync(Timeout);
        const int total = 16 * 1024 * 1024;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var block = new byte[300_000];
        for (int sent = 0; sent < total;)
        {
            int n = Math.Min(block.Length, total - sent);
            for (int i = 0; i < n; i++) block[i] = ScriptedServer.PatternByte(sent + i);
            hash.AppendData(block, 0, n);
            await session.WriteAsync(block.AsMemory(0, n)).AsTask().WaitAsync(Timeout);
            sent += n;
        }
        await session.SendEofAsync();
        string expected = Convert.ToHexStringLower(hash.GetHashAndReset());
        Assert.Equal(expected, Encoding.ASCII.GetString(await ReadAllAsync(session.Output)));
        Assert.Equal(0, (await session.Exit.WaitAsync(Timeout)).ExitStatus);
        Assert.Empty(h.Server.Violations);
    }

    [Fact]
    public async Task SixteenMegabytesDownloadIntactThroughSmallWindows()
    {
        await using var h = Start(SmallWindows);
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Timeout);
        const long total = 16 * 1024 * 1024 + 12345;
        await session.ExecAsync($"generate {total}").WaitAsync(Timeout);
        var (length, sha) = await HashAllAsync(session.GetOutputStream());
        Assert.Equal(total, length);
        Assert.Equal(PatternSha256(total), sha);
        Assert.Equal(0, (await session.Exit.WaitAsync(Timeout)).ExitStatus);
        Assert.True(session.LocalWindow <= 64 * 1024);
    }

    [Fact]
    public async Task SixteenMegabytesBothWaysAtOnce()
    {
        await using var h = Start(SmallWindows);
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Timeout);
        await session.ExecAsync("cat").WaitAsync(Timeout);
        const long total = 16 * 1024 * 1024;
        var reading = HashAllAsync(session.GetOutputStream());
        await using (var stdin = session.GetInputStream())
        {
            for (long o = 0; o < total; o += 100_000)
            {
                await stdin.WriteAsync(ScriptedServer.Pattern(o, (int)Math.Min(100_000, total - o))).AsTask().WaitAsync(Timeout);
            }
        }
        var (length, sha) = await reading;
        Assert.Equal(total, length);
        Assert.Equal(PatternSha256(total), sha);
        Assert.Empty(h.Server.Violations);
    }

    [Fact]
    public async Task LargeWritesAreSplitIntoThePeersMaximumPacket()
    {
        await using var h = Start(serverMaxPacket: 4096);
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Timeout);
        await session.ExecAsync("sha256").WaitAsync(Timeout);
        var data = ScriptedServer.Pattern(0, 1_000_000);
        long before = Interlocked.Read(ref h.ClientEnd.MessagesSent);
        await session.WriteAsync(data).AsTask().WaitAsync(Timeout);
        long messages = Interlocked.Read(ref h.ClientEnd.MessagesSent) - before;
        Assert.True(messages >= 1_000_000 / 4096, $"{messages} messages");
        await session.SendEofAsync();
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), Encoding.ASCII.GetString(await ReadAllAsync(session.Output)));
        Assert.Empty(h.Server.Violations);
    }

    [Fact]
    public async Task ManyChannelsAtOnce()
    {
        await using var h = Start(SmallWindows);
        var tasks = Enumerable.Range(0, 40).Select(async i =>
        {
            await using var session = await h.Client.OpenSessionAsync().WaitAsync(Timeout);
            await session.ExecAsync("cat").WaitAsync(Timeout);
            var data = ScriptedServer.Pattern(i * 7919, 200_000 + i);
            var reading = ReadAllAsync(session.Output);
            await session.WriteAsync(data).AsTask().WaitAsync(Timeout);
            await session.SendEofAsync();
            Assert.Equal(data, await reading);
            Assert.Equal(0, (await session.Exit.WaitAsync(Timeout)).ExitStatus);
            return session.LocalChannelId;
        }).ToList();
        var ids = await Task.WhenAll(tasks);
        Assert.Equal(40, ids.Distinct().Count());
        Assert.Equal(0, h.Client.ChannelCount);
        Assert.Empty(h.Server.Violations);
    }

    [Fact]
    public async Task RefusedOpenThrowsWithTheReason()
    {
        await using var h = Start();
        var e = await Assert.ThrowsAsync<SshChannelException>(() => h.Client.OpenDirectTcpipAsync("refuse", 80, "127.0.0.1", 5555).WaitAsync(Timeout));
        Assert.Equal("channel 0: open failed: connect failed: Connection refused", e.Message);
        Assert.Equal(0, h.Client.ChannelCount);
        var other = await Assert.ThrowsAsync<SshChannelException>(() => h.Client.OpenChannelAsync("nonsense@example.org", null).WaitAsync(Timeout));
        Assert.Contains("unknown channel type", other.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnansweredOpenTimesOut()
    {
        await using var h = Start(new SshConnectionOptions { ChannelOpenTimeout = TimeSpan.FromMilliseconds(200) });
        var e = await Assert.ThrowsAsync<SshChannelException>(() => h.Client.OpenDirectTcpipAsync("ignore", 80, "127.0.0.1", 5555).WaitAsync(Timeout));
        Assert.Contains("open timed out", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DirectTcpipStreamCarriesData()
    {
        await using var h = Start();
        await using var channel = await h.Client.OpenDirectTcpipAsync("echo.example", 7, "127.0.0.1", 40000).WaitAsync(Timeout);
        var stream = channel.Stream;
        await stream.WriteAsync("ping"u8.ToArray());
        await channel.SendEofAsync();
        var (length, sha) = await HashAllAsync(stream);
        Assert.Equal(4, length);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("ping"u8)), sha);
        await channel.Closed.WaitAsync(Timeout);
        var open = h.Server.Requests;
        Assert.Empty(open);
    }

    [Fact]
    public async Task UnrequestedIncomingOpenIsRefused()
    {
        await using var h = Start();
        var (channel, failure) = await h.Server.OpenToClientAsync(ChannelTypes.ForwardedTcpip,
            new TcpipChannelOpenDetails { Host = "0.0.0.0", Port = 8080, OriginatorAddress = "10.0.0.1", OriginatorPort = 1234 });
        Assert.Null(channel);
        Assert.Equal(ChannelOpenFailureReason.AdministrativelyProhibited, failure!.ReasonCode);
        Assert.Equal(0, h.Client.ChannelCount);
        Assert.False(h.Client.Completion.IsCompleted);
    }

    [Fact]
    public async Task IncomingOpenGoesToItsHandler()
    {
        await using var h = Start();
        var seen = new TaskCompletionSource<TcpipChannelOpenDetails>();
        h.Client.SetChannelOpenHandler(ChannelTypes.ForwardedTcpip, async incoming =>
        {
            seen.TrySetResult((TcpipChannelOpenDetails)incoming.Details!);
            var accepted = await incoming.AcceptAsync();
            _ = Task.Run(async () =>
            {
                var data = await ReadAllAsync(accepted.Output);
                await accepted.WriteAsync(data.Reverse().ToArray());
                await accepted.SendEofAsync();
                await accepted.CloseAsync();
            });
        });
        h.Client.SetChannelOpenHandler(ChannelTypes.X11, incoming =>
        {
            incoming.Reject(ChannelOpenFailureReason.ConnectFailed, "no display");
            return Task.CompletedTask;
        });
        var (channel, failure) = await h.Server.OpenToClientAsync(ChannelTypes.ForwardedTcpip,
            new TcpipChannelOpenDetails { Host = "127.0.0.1", Port = 8080, OriginatorAddress = "10.0.0.1", OriginatorPort = 1234 });
        Assert.Null(failure);
        Assert.Equal(8080u, (await seen.Task.WaitAsync(Timeout)).Port);
        await channel!.SendDataAsync("abc"u8.ToArray());
        await channel.SendAsync(ChannelSignalMessage.Eof(channel.ClientId).ToArray());
        Assert.Equal("cba"u8.ToArray(), await channel.ReadStdinAsync().WaitAsync(Timeout));

        var (x11, x11Failure) = await h.Server.OpenToClientAsync(ChannelTypes.X11, new X11ChannelOpenDetails { OriginatorAddress = "127.0.0.1", OriginatorPort = 1 });
        Assert.Null(x11);
        Assert.Equal(ChannelOpenFailureReason.ConnectFailed, x11Failure!.ReasonCode);
        Assert.Equal("no display", x11Failure.Description);
    }

    [Fact]
    public async Task DataPastTheWindowIsAProtocolError()
    {
        await using var h = Start(SmallWindows);
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Timeout);
        await session.ExecAsync("flood 70000").WaitAsync(Timeout);
        var e = await Assert.ThrowsAsync<SshProtocolException>(() => h.Client.Completion.WaitAsync(Timeout));
        Assert.Contains("70000 bytes with only 65536 left in the window", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<SshProtocolException>(() => session.Exit.WaitAsync(Timeout));
        Assert.Equal(2u, h.ClientEnd.SentDisconnect?.Reason);
    }

    [Fact]
    public async Task DataAfterEofIsAProtocolError()
    {
        await using var h = Start();
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Timeout);
        await session.ExecAsync("eof-then-data").WaitAsync(Timeout);
        var e = await Assert.ThrowsAsync<SshProtocolException>(() => h.Client.Completion.WaitAsync(Timeout));
        Assert.Equal($"channel {session.LocalChannelId}: data after EOF", e.Message);
    }

    [Fact]
    public async Task UnknownChannelIsAProtocolError()
    {
        await using var h = Start();
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Timeout);
        await session.ExecAsync("unknown-channel").WaitAsync(Timeout);
        var e = await Assert.ThrowsAsync<SshProtocolException>(() => h.Client.Completion.WaitAsync(Timeout));
        Assert.Equal("message for unknown channel 999", e.Message);
        await Assert.ThrowsAsync<SshProtocolException>(() => h.Client.OpenSessionAsync());
    }

    [Fact]
    public async Task DroppedConnectionFailsEveryWaiter()
    {
        await using var h = Start(new SshConnectionOptions { InitialWindowSize = 64 * 1024 }, serverWindow: 16 * 1024);
        await using var hung = await h.Client.OpenSessionAsync().WaitAsync(Timeout);
        var exec = hung.ExecAsync("hang");
        await using var cat = await h.Client.OpenSessionAsync().WaitAsync(Timeout);
        await cat.ExecAsync("cat").WaitAsync(Timeout);
        // The server's cat echoes nothing back until we read, so a large write ends up waiting for the window.
        var writing = cat.WriteAsync(new byte[1_000_000]).AsTask();
        var reading = cat.Output.ReadAsync().AsTask();
        var open = h.Client.OpenDirectTcpipAsync("ignore", 1, "127.0.0.1", 2);
        var global = h.Client.SendGlobalRequestAsync("never-answered@example.org", ReadOnlyMemory<byte>.Empty, wantReply: true);
        await Task.Delay(100);

        h.ClientEnd.Drop();

        var completion = await Assert.ThrowsAsync<SshConnectionException>(() => h.Client.Completion.WaitAsync(Timeout));
        Assert.Equal("Connection reset by peer", completion.Message);
        await Assert.ThrowsAsync<SshConnectionException>(() => exec.WaitAsync(Timeout));
        await Assert.ThrowsAsync<SshConnectionException>(() => writing.WaitAsync(Timeout));
        await Assert.ThrowsAsync<SshConnectionException>(async () =>
        {
            // Whatever was buffered comes first; then the failure.
            while (true)
            {
                var r = await cat.Output.ReadAsync().AsTask().WaitAsync(Timeout);
                cat.Output.AdvanceTo(r.Buffer.End);
                if (r.IsCompleted) break;
            }
        });
        _ = reading;
        await Assert.ThrowsAsync<SshConnectionException>(() => open.WaitAsync(Timeout));
        await Assert.ThrowsAsync<SshConnectionException>(() => global.WaitAsync(Timeout));
        await Assert.ThrowsAsync<SshConnectionException>(() => hung.Exit.WaitAsync(Timeout));
        await Assert.ThrowsAsync<SshConnectionException>(() => h.Client.OpenSessionAsync());
    }

    [Fact]
    public async Task KeepalivesUnansweredEndTheConnection()
    {
        await using var h = Start(new SshConnectionOptions
        {
            HostName = "testhost",
            ServerAliveInterval = TimeSpan.FromMilliseconds(50),
            ServerAliveCountMax = 3,
        });
        h.Server.AnswerKeepalives = false;
        var e = await Assert.ThrowsAsync<SshConnectionException>(() => h.Client.Completion.WaitAsync(Timeout));
        Assert.Equal("Timeout, server testhost not responding.", e.Message);
        Assert.Equal(3, Volatile.Read(ref h.Server.KeepalivesReceived));
    }

    [Fact]
    public async Task AnsweredKeepalivesKeepTheConnection()
    {
        await using var h = Start(new SshConnectionOptions
        {
            HostName = "testhost",
            ServerAliveInterval = TimeSpan.FromMilliseconds(20),
            ServerAliveCountMax = 1,
        });
        var waited = Task.Run(async () =>
        {
            while (Volatile.Read(ref h.Server.KeepalivesReceived) < 6) await Task.Delay(10);
        });
        await waited.WaitAsync(Timeout);
        Assert.False(h.Client.Completion.IsCompleted);
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Timeout);
        await session.ExecAsync("echo still here").WaitAsync(Timeout);
        Assert.Equal("still here", Encoding.ASCII.GetString(await ReadAllAsync(session.Output)));
    }

    [Fact]
    public async Task GlobalRequestsGetTheirReplies()
    {
        await using var h = Start();
        Assert.Equal(40000u, await h.Client.RequestTcpipForwardAsync("localhost", 0).WaitAsync(Timeout));
        Assert.Equal(2222u, await h.Client.RequestTcpipForwardAsync("localhost", 2222).WaitAsync(Timeout));
        var e = await Assert.ThrowsAsync<SshException>(() => h.Client.RequestTcpipForwardAsync("refuse", 80).WaitAsync(Timeout));
        Assert.Equal("remote port forwarding failed for listen port 80", e.Message);
        await h.Client.RequestStreamlocalForwardAsync("/tmp/s.sock").WaitAsync(Timeout);
        await Assert.ThrowsAsync<SshException>(() => h.Client.RequestStreamlocalForwardAsync("relative").WaitAsync(Timeout));
        var unknown = await h.Client.SendGlobalRequestAsync("unknown@example.org", ReadOnlyMemory<byte>.Empty, wantReply: true).WaitAsync(Timeout);
        Assert.False(unknown.Success);
    }

    [Fact]
    public async Task ServerGlobalRequestsAreRefused()
    {
        await using var h = Start();
        await h.Server.SendAsync(ScriptedServer.Build(b =>
        {
            var w = b.Writer;
            new GlobalRequestMessage { RequestName = "keepalive@openssh.com", WantReply = true }.Write(ref w);
        }));
        Assert.Equal(new byte[] { ConnectionMessageNumbers.RequestFailure }, await h.Server.GlobalReply.Task.WaitAsync(Timeout));
    }

    [Fact]
    public async Task ServerChannelKeepaliveIsAnsweredWithFailure()
    {
        await using var h = Start();
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Timeout);
        await session.ExecAsync("server-keepalive").WaitAsync(Timeout);
        var got = Task.Run(async () =>
        {
            byte reply;
            while (!h.Server.ChannelReplies.TryDequeue(out reply)) await Task.Delay(10);
            return reply;
        });
        Assert.Equal(ConnectionMessageNumbers.ChannelFailure, await got.WaitAsync(Timeout));
    }

    [Fact]
    public async Task SessionRequestsReachTheServer()
    {
        await using var h = Start();
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Timeout);
        var modes = new TerminalModes().Set(TerminalMode.IUTF8, 1).Set(TerminalMode.ECHO, 1);
        Assert.True(await session.RequestPtyAsync("xterm-256color", 120, 40, 960, 640, modes).WaitAsync(Timeout));
        Assert.True(await session.SetEnvAsync("LANG", "C.UTF-8", wantReply: true).WaitAsync(Timeout));
        await session.SetEnvAsync("LC_X", "y").WaitAsync(Timeout);
        Assert.True(await session.RequestX11Async(false, "MIT-MAGIC-COOKIE-1", "00ff", 0).WaitAsync(Timeout));
        await session.RequestAgentForwardingAsync().WaitAsync(Timeout);
        await session.ShellAsync().WaitAsync(Timeout);
        await session.WindowChangeAsync(100, 30, 0, 0).WaitAsync(Timeout);
        await session.SignalAsync("INT").WaitAsync(Timeout);
        await session.SubsystemAsync("sftp").WaitAsync(Timeout);

        var wait = Task.Run(async () =>
        {
            while (h.Server.Requests.Count < 9) await Task.Delay(10);
        });
        await wait.WaitAsync(Timeout);
        var requests = h.Server.Requests.ToArray();
        string[] expected = ["pty-req", "env", "env", "x11-req", "auth-agent-req@openssh.com", "shell", "window-change", "signal", "subsystem"];
        Assert.Equal(expected, requests.Select(r => r.RequestType).ToArray());
        var pty = (PtyRequestDetails)requests[0].Details!;
        Assert.Equal(("xterm-256color", 120u, 40u, 960u, 640u), (pty.Term, pty.Columns, pty.Rows, pty.WidthPixels, pty.HeightPixels));
        Assert.True(pty.Modes.TryGet(TerminalMode.IUTF8, out uint utf8) && utf8 == 1);
        Assert.False(requests[2].WantReply);
        Assert.Equal("y", ((EnvRequestDetails)requests[2].Details!).Value);
        Assert.Equal("00ff", ((X11RequestDetails)requests[3].Details!).AuthenticationCookie);
        Assert.Equal(100u, ((WindowChangeRequestDetails)requests[6].Details!).Columns);
        Assert.Equal("INT", ((SignalRequestDetails)requests[7].Details!).SignalName);
        Assert.Equal("sftp", ((CommandRequestDetails)requests[8].Details!).Text);
    }

    [Fact]
    public async Task ClosingFromOurSideCompletesBothWays()
    {
        await using var h = Start();
        var session = await h.Client.OpenSessionAsync().WaitAsync(Timeout);
        var hung = session.ExecAsync("hang");
        await session.CloseAsync().WaitAsync(Timeout);
        Assert.Equal(0, h.Client.ChannelCount);
        var exit = await session.Exit.WaitAsync(Timeout);
        Assert.Null(exit.ExitStatus);
        await Assert.ThrowsAsync<SshChannelException>(async () => await session.WriteAsync("x"u8.ToArray()));
        // A request the server never answered fails when the channel closes.
        await Assert.ThrowsAsync<SshChannelException>(() => hung.WaitAsync(Timeout));
        // The channel number is free again.
        await using var next = await h.Client.OpenSessionAsync().WaitAsync(Timeout);
        await next.ExecAsync("echo ok").WaitAsync(Timeout);
        Assert.Equal("ok", Encoding.ASCII.GetString(await ReadAllAsync(next.Output)));
    }

    [Fact]
    public async Task UnreadDataStaysWithinTheWindowWeGranted()
    {
        await using var h = Start(SmallWindows);
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Timeout);
        await session.ExecAsync("generate 1000000").WaitAsync(Timeout);
        await Task.Run(async () =>
        {
            while (session.LocalWindow > 0) await Task.Delay(5);
        }).WaitAsync(Timeout);
        Assert.True(session.Output.TryRead(out var buffered));
        Assert.Equal(64 * 1024, buffered.Buffer.Length);
        session.Output.AdvanceTo(buffered.Buffer.Start);
        var (length, sha) = await HashAllAsync(session.GetOutputStream());
        Assert.Equal(1_000_000, length);
        Assert.Equal(PatternSha256(1_000_000), sha);
    }

    [Fact]
    public async Task AbandonedReaderDoesNotStallTheChannel()
    {
        await using var h = Start(SmallWindows);
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Timeout);
        await session.ExecAsync("generate 2000000").WaitAsync(Timeout);
        var first = await session.Output.ReadAsync().AsTask().WaitAsync(Timeout);
        session.Output.AdvanceTo(first.Buffer.Start);
        await session.Output.CompleteAsync();
        // Nobody reads any more, yet the window is granted back and the command runs to its end.
        Assert.Equal(0, (await session.Exit.WaitAsync(Timeout)).ExitStatus);
    }
}
