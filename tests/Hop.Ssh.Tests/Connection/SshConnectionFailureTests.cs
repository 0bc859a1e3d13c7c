using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using Hop.Ssh.Connection;
using Hop.Ssh.Connection.Messages;
using static Hop.Ssh.Tests.Connection.ConnectionHarness;

namespace Hop.Ssh.Tests.Connection;

/// <summary>Refusals, protocol violations, dropped links and keepalive timeouts.</summary>
public sealed class SshConnectionFailureTests
{
    [Fact]
    public async Task RefusedOpenThrowsWithTheReason()
    {
        await using var h = Start();
        var e = await Assert.ThrowsAsync<SshChannelException>(() => h.Client.OpenDirectTcpipAsync("refuse", 80, "127.0.0.1", 5555).WaitAsync(Limit));
        Assert.Equal("channel 0: open failed: connect failed: Connection refused", e.Message);
        Assert.Equal(0, h.Client.ChannelCount);
        var other = await Assert.ThrowsAsync<SshChannelException>(() => h.Client.OpenChannelAsync("nonsense@example.org", null).WaitAsync(Limit));
        Assert.Contains("unknown channel type", other.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnansweredOpenTimesOut()
    {
        await using var h = Start(new SshConnectionOptions { ChannelOpenTimeout = TimeSpan.FromMilliseconds(200) });
        var e = await Assert.ThrowsAsync<SshChannelException>(() => h.Client.OpenDirectTcpipAsync("ignore", 80, "127.0.0.1", 5555).WaitAsync(Limit));
        Assert.Contains("open timed out", e.Message, StringComparison.Ordinal);
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
    public async Task DataPastTheWindowIsAProtocolError()
    {
        await using var h = Start(SmallWindows);
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Limit);
        await session.ExecAsync("flood 70000").WaitAsync(Limit);
        var e = await Assert.ThrowsAsync<SshProtocolException>(() => h.Client.Completion.WaitAsync(Limit));
        Assert.Contains("70000 bytes with only 65536 left in the window", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<SshProtocolException>(() => session.Exit.WaitAsync(Limit));
        Assert.Equal(2u, h.ClientEnd.SentDisconnect?.Reason);
    }

    [Fact]
    public async Task DataAfterEofIsAProtocolError()
    {
        await using var h = Start();
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Limit);
        await session.ExecAsync("eof-then-data").WaitAsync(Limit);
        var e = await Assert.ThrowsAsync<SshProtocolException>(() => h.Client.Completion.WaitAsync(Limit));
        Assert.Equal($"channel {session.LocalChannelId}: data after EOF", e.Message);
    }

    [Fact]
    public async Task UnknownChannelIsAProtocolError()
    {
        await using var h = Start();
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Limit);
        await session.ExecAsync("unknown-channel").WaitAsync(Limit);
        var e = await Assert.ThrowsAsync<SshProtocolException>(() => h.Client.Completion.WaitAsync(Limit));
        Assert.Equal("message for unknown channel 999", e.Message);
        await Assert.ThrowsAsync<SshProtocolException>(() => h.Client.OpenSessionAsync());
    }

    [Fact]
    public async Task DroppedConnectionFailsEveryWaiter()
    {
        await using var h = Start(new SshConnectionOptions { InitialWindowSize = 64 * 1024 }, serverWindow: 16 * 1024);
        await using var hung = await h.Client.OpenSessionAsync().WaitAsync(Limit);
        var exec = hung.ExecAsync("hang");
        await using var cat = await h.Client.OpenSessionAsync().WaitAsync(Limit);
        await cat.ExecAsync("cat").WaitAsync(Limit);
        // The server's cat echoes nothing back until we read, so a large write ends up waiting for the window.
        var writing = cat.WriteAsync(new byte[1_000_000]).AsTask();
        var reading = cat.Output.ReadAsync().AsTask();
        var open = h.Client.OpenDirectTcpipAsync("ignore", 1, "127.0.0.1", 2);
        var global = h.Client.SendGlobalRequestAsync("never-answered@example.org", ReadOnlyMemory<byte>.Empty, wantReply: true);
        await Task.Delay(100);

        h.ClientEnd.Drop();

        var completion = await Assert.ThrowsAsync<SshConnectionException>(() => h.Client.Completion.WaitAsync(Limit));
        Assert.Equal("Connection reset by peer", completion.Message);
        await Assert.ThrowsAsync<SshConnectionException>(() => exec.WaitAsync(Limit));
        await Assert.ThrowsAsync<SshConnectionException>(() => writing.WaitAsync(Limit));
        await Assert.ThrowsAsync<SshConnectionException>(async () =>
        {
            // Whatever was buffered comes first; then the failure.
            while (true)
            {
                var r = await cat.Output.ReadAsync().AsTask().WaitAsync(Limit);
                cat.Output.AdvanceTo(r.Buffer.End);
                if (r.IsCompleted) break;
            }
        });
        _ = reading;
        await Assert.ThrowsAsync<SshConnectionException>(() => open.WaitAsync(Limit));
        await Assert.ThrowsAsync<SshConnectionException>(() => global.WaitAsync(Limit));
        await Assert.ThrowsAsync<SshConnectionException>(() => hung.Exit.WaitAsync(Limit));
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
        }, answerKeepalives: false);
        var e = await Assert.ThrowsAsync<SshConnectionException>(() => h.Client.Completion.WaitAsync(Limit));
        Assert.Equal("Timeout, server testhost not responding.", e.Message);
        // Everything the client sent has reached the server once its loop ends.
        await h.Server.Loop.WaitAsync(Limit);
        Assert.Equal(3, Volatile.Read(ref h.Server.KeepalivesReceived));
    }

    [Fact]
    public async Task AnsweredKeepalivesKeepTheConnection()
    {
        await using var h = Start(new SshConnectionOptions
        {
            HostName = "testhost",
            ServerAliveInterval = TimeSpan.FromMilliseconds(150),
            ServerAliveCountMax = 3,
        });
        // More keepalives than the maximum: only the replies resetting the count allow that.
        var waited = Task.Run(async () =>
        {
            while (Volatile.Read(ref h.Server.KeepalivesReceived) < 8) await Task.Delay(10);
        });
        await waited.WaitAsync(Limit);
        Assert.False(h.Client.Completion.IsCompleted);
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Limit);
        await session.ExecAsync("echo still here").WaitAsync(Limit);
        Assert.Equal("still here", Encoding.ASCII.GetString(await ReadAllAsync(session.Output)));
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
        Assert.Equal(new byte[] { ConnectionMessageNumbers.RequestFailure }, await h.Server.GlobalReply.Task.WaitAsync(Limit));
    }

    [Fact]
    public async Task ServerChannelKeepaliveIsAnsweredWithFailure()
    {
        await using var h = Start();
        await using var session = await h.Client.OpenSessionAsync().WaitAsync(Limit);
        await session.ExecAsync("server-keepalive").WaitAsync(Limit);
        var got = Task.Run(async () =>
        {
            byte reply;
            while (!h.Server.ChannelReplies.TryDequeue(out reply)) await Task.Delay(10);
            return reply;
        });
        Assert.Equal(ConnectionMessageNumbers.ChannelFailure, await got.WaitAsync(Limit));
    }

    [Fact]
    public async Task LateConfirmationAfterTimeoutIsClosed()
    {
        await using var h = Start(new SshConnectionOptions { ChannelOpenTimeout = TimeSpan.FromMilliseconds(50) });
        await Assert.ThrowsAsync<SshChannelException>(() => h.Client.OpenDirectTcpipAsync("late", 80, "127.0.0.1", 1).WaitAsync(Limit));
        // The server confirms later; we close the channel nobody wants, and forget it once the server closes too.
        await Task.Run(async () =>
        {
            while (Volatile.Read(ref h.Server.ClosesReceived) == 0 || h.Client.ChannelCount != 0) await Task.Delay(10);
        }).WaitAsync(Limit);
        Assert.False(h.Client.Completion.IsCompleted);
    }
}
