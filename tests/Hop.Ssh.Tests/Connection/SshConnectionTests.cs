using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using Hop.Ssh.Connection;
using Hop.Ssh.Connection.Messages;
using static Hop.Ssh.Tests.Connection.ConnectionHarness;

namespace Hop.Ssh.Tests.Connection;

/// <summary>Sessions, streams, flow control and requests against the scripted server.</summary>
public sealed class SshConnectionTests
{
    [Fact]
    public async Task ExecKeepsStdoutAndStderrApartAndReportsExitStatus()
    {
        await using var h = Start();
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Limit);
        await session.ExecAsync("split").WaitAsync(Limit);
        var stdout = ReadAllAsync(session.Output);
        var stderr = ReadAllAsync(session.ExtendedOutput);
        Assert.Equal("out", Encoding.ASCII.GetString(await stdout));
        Assert.Equal("err", Encoding.ASCII.GetString(await stderr));
        var exit = await session.Exit.WaitAsync(Limit);
        Assert.Equal(3, exit.ExitStatus);
        Assert.Null(exit.Signal);
        await session.Closed.WaitAsync(Limit);
        Assert.Equal(0, h.Client.ChannelCount);
        Assert.Empty(h.Server.Violations);
    }

    [Fact]
    public async Task ExecReportsExitSignal()
    {
        await using var h = Start();
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Limit);
        await session.ExecAsync("kill").WaitAsync(Limit);
        var exit = await session.Exit.WaitAsync(Limit);
        Assert.Null(exit.ExitStatus);
        Assert.Equal(new ExitSignal("TERM", true, "killed"), exit.Signal);
    }

    [Fact]
    public async Task RefusedExecThrows()
    {
        await using var h = Start();
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Limit);
        var e = await Assert.ThrowsAsync<SshChannelException>(() => session.ExecAsync("fail").WaitAsync(Limit));
        Assert.Equal($"exec request failed on channel {session.LocalChannelId}", e.Message);
    }

    [Fact]
    public async Task StdinEofReachesTheServer()
    {
        await using var h = Start();
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Limit);
        await session.ExecAsync("cat").WaitAsync(Limit);
        await using (var stdin = session.GetInputStream())
        {
            await stdin.WriteAsync("hello, "u8.ToArray());
            await stdin.WriteAsync("world"u8.ToArray());
        }
        // cat ends only when our EOF arrives.
        Assert.Equal("hello, world", Encoding.ASCII.GetString(await ReadAllAsync(session.Output)));
        Assert.Equal(0, (await session.Exit.WaitAsync(Limit)).ExitStatus);
        await Assert.ThrowsAsync<SshChannelException>(async () => await session.WriteAsync("late"u8.ToArray()));
    }

    [Fact]
    public async Task SixteenMegabytesUploadIntactThroughSmallWindows()
    {
        await using var h = Start(SmallWindows);
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Limit);
        await session.ExecAsync("sha256").WaitAsync(Limit);
        const int total = 16 * 1024 * 1024;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var block = new byte[300_000];
        for (int sent = 0; sent < total;)
        {
            int n = Math.Min(block.Length, total - sent);
            for (int i = 0; i < n; i++) block[i] = ScriptedServer.PatternByte(sent + i);
            hash.AppendData(block, 0, n);
            await session.WriteAsync(block.AsMemory(0, n)).AsTask().WaitAsync(Limit);
            sent += n;
        }
        await session.SendEofAsync();
        string expected = Convert.ToHexStringLower(hash.GetHashAndReset());
        Assert.Equal(expected, Encoding.ASCII.GetString(await ReadAllAsync(session.Output)));
        Assert.Equal(0, (await session.Exit.WaitAsync(Limit)).ExitStatus);
        Assert.Empty(h.Server.Violations);
    }

    [Fact]
    public async Task SixteenMegabytesDownloadIntactThroughSmallWindows()
    {
        await using var h = Start(SmallWindows);
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Limit);
        const long total = 16 * 1024 * 1024 + 12345;
        await session.ExecAsync($"generate {total}").WaitAsync(Limit);
        var (length, sha) = await HashAllAsync(session.GetOutputStream());
        Assert.Equal(total, length);
        Assert.Equal(PatternSha256(total), sha);
        Assert.Equal(0, (await session.Exit.WaitAsync(Limit)).ExitStatus);
        Assert.True(session.LocalWindow <= 64 * 1024);
    }

    [Fact]
    public async Task SixteenMegabytesBothWaysAtOnce()
    {
        await using var h = Start(SmallWindows);
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Limit);
        await session.ExecAsync("cat").WaitAsync(Limit);
        const long total = 16 * 1024 * 1024;
        var reading = HashAllAsync(session.GetOutputStream());
        await using (var stdin = session.GetInputStream())
        {
            for (long o = 0; o < total; o += 100_000)
            {
                await stdin.WriteAsync(ScriptedServer.Pattern(o, (int)Math.Min(100_000, total - o))).AsTask().WaitAsync(Limit);
            }
        }
        var (length, sha) = await reading;
        Assert.Equal(total, length);
        Assert.Equal(PatternSha256(total), sha);
        Assert.Empty(h.Server.Violations);
    }

    [Fact]
    public async Task BlockingWritesFromAThreadOfTheirOwnGoThroughSmallWindows()
    {
        await using var h = Start(SmallWindows);
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Limit);
        await session.ExecAsync("cat").WaitAsync(Limit);
        const long total = 16 * 1024 * 1024;
        var reading = HashAllAsync(session.GetOutputStream());
        // A stdin pump's pattern: plain blocking writes on a dedicated thread, waiting for WINDOW_ADJUST.
        var writer = new Thread(() =>
        {
            using var stdin = session.GetInputStream();
            for (long o = 0; o < total; o += 100_000)
            {
                byte[] piece = ScriptedServer.Pattern(o, (int)Math.Min(100_000, total - o));
                stdin.Write(piece, 0, piece.Length);
            }
        });
        writer.Start();
        var (length, sha) = await reading.WaitAsync(Limit);
        Assert.True(writer.Join(Limit));
        Assert.Equal(total, length);
        Assert.Equal(PatternSha256(total), sha);
        Assert.Empty(h.Server.Violations);
    }

    [Fact]
    public async Task LargeWritesAreSplitIntoThePeersMaximumPacket()
    {
        await using var h = Start(serverMaxPacket: 4096);
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Limit);
        await session.ExecAsync("sha256").WaitAsync(Limit);
        var data = ScriptedServer.Pattern(0, 1_000_000);
        long before = Interlocked.Read(ref h.ClientEnd.MessagesSent);
        await session.WriteAsync(data).AsTask().WaitAsync(Limit);
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
            await using var session = await h.Client.OpenSessionAsync().WaitAsync(Limit);
            await session.ExecAsync("cat").WaitAsync(Limit);
            var data = ScriptedServer.Pattern(i * 7919, 200_000 + i);
            var reading = ReadAllAsync(session.Output);
            await session.WriteAsync(data).AsTask().WaitAsync(Limit);
            await session.SendEofAsync();
            Assert.Equal(data, await reading);
            Assert.Equal(0, (await session.Exit.WaitAsync(Limit)).ExitStatus);
            return session.LocalChannelId;
        }).ToList();
        var ids = await Task.WhenAll(tasks);
        Assert.Equal(40, ids.Distinct().Count());
        Assert.Equal(0, h.Client.ChannelCount);
        Assert.Empty(h.Server.Violations);
    }

    [Fact]
    public async Task DirectTcpipStreamCarriesData()
    {
        await using var h = Start();
        await using var channel = await h.Client.OpenDirectTcpipAsync("echo.example", 7, "127.0.0.1", 40000).WaitAsync(Limit);
        var stream = channel.Stream;
        await stream.WriteAsync("ping"u8.ToArray());
        await channel.SendEofAsync();
        var (length, sha) = await HashAllAsync(stream);
        Assert.Equal(4, length);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("ping"u8)), sha);
        await channel.Closed.WaitAsync(Limit);
        var open = h.Server.Requests;
        Assert.Empty(open);
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
        Assert.Equal(8080u, (await seen.Task.WaitAsync(Limit)).Port);
        await channel!.SendDataAsync("abc"u8.ToArray());
        await channel.SendAsync(ChannelSignalMessage.Eof(channel.ClientId).ToArray());
        Assert.Equal("cba"u8.ToArray(), await channel.ReadStdinAsync().WaitAsync(Limit));

        var (x11, x11Failure) = await h.Server.OpenToClientAsync(ChannelTypes.X11, new X11ChannelOpenDetails { OriginatorAddress = "127.0.0.1", OriginatorPort = 1 });
        Assert.Null(x11);
        Assert.Equal(ChannelOpenFailureReason.ConnectFailed, x11Failure!.ReasonCode);
        Assert.Equal("no display", x11Failure.Description);
    }

    [Fact]
    public async Task GlobalRequestsGetTheirReplies()
    {
        await using var h = Start();
        Assert.Equal(40000u, await h.Client.RequestTcpipForwardAsync("localhost", 0).WaitAsync(Limit));
        Assert.Equal(2222u, await h.Client.RequestTcpipForwardAsync("localhost", 2222).WaitAsync(Limit));
        var e = await Assert.ThrowsAsync<SshException>(() => h.Client.RequestTcpipForwardAsync("refuse", 80).WaitAsync(Limit));
        Assert.Equal("remote port forwarding failed for listen port 80", e.Message);
        await h.Client.RequestStreamlocalForwardAsync("/tmp/s.sock").WaitAsync(Limit);
        await Assert.ThrowsAsync<SshException>(() => h.Client.RequestStreamlocalForwardAsync("relative").WaitAsync(Limit));
        var unknown = await h.Client.SendGlobalRequestAsync("unknown@example.org", ReadOnlyMemory<byte>.Empty, wantReply: true).WaitAsync(Limit);
        Assert.False(unknown.Success);
    }

    [Fact]
    public async Task SessionRequestsReachTheServer()
    {
        await using var h = Start();
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Limit);
        var modes = new TerminalModes().Set(TerminalMode.IUTF8, 1).Set(TerminalMode.ECHO, 1);
        Assert.True(await session.RequestPtyAsync("xterm-256color", 120, 40, 960, 640, modes).WaitAsync(Limit));
        Assert.True(await session.SetEnvAsync("LANG", "C.UTF-8", wantReply: true).WaitAsync(Limit));
        await session.SetEnvAsync("LC_X", "y").WaitAsync(Limit);
        Assert.True(await session.RequestX11Async(false, "MIT-MAGIC-COOKIE-1", "00ff", 0).WaitAsync(Limit));
        await session.RequestAgentForwardingAsync().WaitAsync(Limit);
        await session.ShellAsync().WaitAsync(Limit);
        await session.WindowChangeAsync(100, 30, 0, 0).WaitAsync(Limit);
        await session.SignalAsync("INT").WaitAsync(Limit);
        await session.SubsystemAsync("sftp").WaitAsync(Limit);

        var wait = Task.Run(async () =>
        {
            while (h.Server.Requests.Count < 9) await Task.Delay(10);
        });
        await wait.WaitAsync(Limit);
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
        var session = await h.Client.OpenSessionAsync().WaitAsync(Limit);
        var hung = session.ExecAsync("hang");
        await session.CloseAsync().WaitAsync(Limit);
        Assert.Equal(0, h.Client.ChannelCount);
        var exit = await session.Exit.WaitAsync(Limit);
        Assert.Null(exit.ExitStatus);
        await Assert.ThrowsAsync<SshChannelException>(async () => await session.WriteAsync("x"u8.ToArray()));
        // A request the server never answered fails when the channel closes.
        await Assert.ThrowsAsync<SshChannelException>(() => hung.WaitAsync(Limit));
        // The channel number is free again.
        await using var next = await h.Client.OpenSessionAsync().WaitAsync(Limit);
        await next.ExecAsync("echo ok").WaitAsync(Limit);
        Assert.Equal("ok", Encoding.ASCII.GetString(await ReadAllAsync(next.Output)));
    }

    [Fact]
    public async Task UnreadDataStaysWithinTheWindowWeGranted()
    {
        await using var h = Start(SmallWindows);
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Limit);
        await session.ExecAsync("generate 1000000").WaitAsync(Limit);
        await Task.Run(async () =>
        {
            while (session.LocalWindow > 0) await Task.Delay(5);
        }).WaitAsync(Limit);
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
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Limit);
        await session.ExecAsync("generate 2000000").WaitAsync(Limit);
        var first = await session.Output.ReadAsync().AsTask().WaitAsync(Limit);
        session.Output.AdvanceTo(first.Buffer.Start);
        await session.Output.CompleteAsync();
        // Nobody reads any more, yet the window is granted back and the command runs to its end.
        Assert.Equal(0, (await session.Exit.WaitAsync(Limit)).ExitStatus);
    }

    [Fact]
    public async Task HundredDirectTcpipChannelsInParallel()
    {
        await using var h = Start(SmallWindows);
        var tasks = Enumerable.Range(0, 100).Select(async i =>
        {
            await using var channel = await h.Client.OpenDirectTcpipAsync($"echo{i}.example", 7, "127.0.0.1", (uint)(40000 + i)).WaitAsync(Limit);
            var data = ScriptedServer.Pattern(i * 1000, 100_000 + i);
            var reading = HashAllAsync(channel.Stream);
            await channel.Stream.WriteAsync(data).AsTask().WaitAsync(Limit);
            await channel.SendEofAsync();
            var (length, sha) = await reading;
            Assert.Equal(data.Length, length);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), sha);
        });
        await Task.WhenAll(tasks).WaitAsync(Limit);
        Assert.Empty(h.Server.Violations);
    }
}
