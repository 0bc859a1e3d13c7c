using System.Security.Cryptography;
using System.Text;
using Hop.Ssh.Connection;
using Hop.Ssh.Connection.Messages;
using static Hop.Ssh.Tests.Connection.ConnectionHarness;

namespace Hop.Ssh.Tests.Connection;

/// <summary>Sessions whose stdout and stderr go to sinks (written on the receive thread) instead of pipes.</summary>
public sealed class ChannelSinkTests
{
    /// <summary>Keeps what it is given; after <paramref name="failAfterWrites"/> writes it throws as a closed pipe does.</summary>
    private sealed class RecordingSink(int failAfterWrites = int.MaxValue) : IChannelDataSink
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly MemoryStream _start = new();

        public long Length { get; private set; }
        public int Writes { get; private set; }
        public int FailedWrites { get; private set; }

        public int Write(ReadOnlySpan<byte> data)
        {
            if (Writes >= failAfterWrites)
            {
                FailedWrites++;
                throw new IOException("Broken pipe");
            }
            Writes++;
            Take(data);
            return data.Length;
        }

        public ValueTask WriteAsync(ReadOnlyMemory<byte> data) => throw new InvalidOperationException("Write took everything");

        private void Take(ReadOnlySpan<byte> data)
        {
            _hash.AppendData(data);
            if (_start.Length < 4096) _start.Write(data[..Math.Min(data.Length, 4096)]);
            Length += data.Length;
        }

        public string Text => Encoding.ASCII.GetString(_start.ToArray());
        public string Sha256 => Convert.ToHexStringLower(_hash.GetCurrentHash());
    }

    [Fact]
    public async Task StdoutAndStderrReachTheirSinksApart()
    {
        await using var h = Start();
        var stdout = new RecordingSink();
        var stderr = new RecordingSink();
        await using var session = await h.Client.OpenSessionAsync(new ChannelSinks(stdout, stderr)).WaitAsync(Limit);
        await session.ExecAsync("split").WaitAsync(Limit);
        var exit = await session.Exit.WaitAsync(Limit);
        await session.SinksWritten.WaitAsync(Limit);
        Assert.Equal("out", stdout.Text);
        Assert.Equal("err", stderr.Text);
        Assert.Equal(3, exit.ExitStatus);
        Assert.Empty(h.Server.Violations);
    }

    [Fact]
    public async Task SixteenMegabytesReachTheSinkIntactThroughSmallWindows()
    {
        // 64 KiB windows: the transfer only finishes if every write to the sink grants its bytes back.
        await using var h = Start(SmallWindows);
        var stdout = new RecordingSink();
        await using var session = await h.Client.OpenSessionAsync(new ChannelSinks(stdout, null)).WaitAsync(Limit);
        const long total = 16 * 1024 * 1024 + 12345;
        await session.ExecAsync($"generate {total}").WaitAsync(Limit);
        Assert.Equal(0, (await session.Exit.WaitAsync(Limit)).ExitStatus);
        await session.SinksWritten.WaitAsync(Limit);
        Assert.Equal(total, stdout.Length);
        Assert.Equal(PatternSha256(total), stdout.Sha256);
        Assert.Empty(h.Server.Violations);
    }

    [Fact]
    public async Task AClosedStdoutStopsTheRemoteWriterWithEndOfWrite()
    {
        // `hop ssh host yes | head -1`: once our stdout is gone, the server is told (eow@openssh.com,
        // as OpenSSH's client does) and the command ends; what still arrives is dropped, its window
        // granted back, and the sink is not written again.
        await using var h = Start(SmallWindows);
        var stdout = new RecordingSink(failAfterWrites: 1);
        await using var session = await h.Client.OpenSessionAsync(new ChannelSinks(stdout, null)).WaitAsync(Limit);
        await session.ExecAsync("yes").WaitAsync(Limit);
        var exit = await session.Exit.WaitAsync(Limit);
        await session.SinksWritten.WaitAsync(Limit);
        Assert.Equal("PIPE", exit.Signal?.SignalName);
        Assert.Equal(1, stdout.Writes);
        Assert.Equal(1, stdout.FailedWrites);
        Assert.Single(h.Server.Requests, r => r.RequestType == ChannelRequestTypes.EndOfWrite && !r.WantReply);
        Assert.Empty(h.Server.Violations);
    }

    [Fact]
    public async Task AFailedStderrSinkDropsOnlyStderr()
    {
        await using var h = Start();
        var stdout = new RecordingSink();
        var stderr = new RecordingSink(failAfterWrites: 0);
        await using var session = await h.Client.OpenSessionAsync(new ChannelSinks(stdout, stderr)).WaitAsync(Limit);
        await session.ExecAsync("split").WaitAsync(Limit);
        Assert.Equal(3, (await session.Exit.WaitAsync(Limit)).ExitStatus);
        await session.SinksWritten.WaitAsync(Limit);
        Assert.Equal("out", stdout.Text);
        Assert.Equal(1, stderr.FailedWrites);
        Assert.DoesNotContain(h.Server.Requests, r => r.RequestType == ChannelRequestTypes.EndOfWrite);
    }

    /// <summary>
    /// A socket that fills up: takes nothing at once (as a non-blocking send that would block), and
    /// its WriteAsync waits until <see cref="Open"/> is called, then hashes what it is given.
    /// </summary>
    private sealed class StalledSink : IChannelDataSink
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _firstWait = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Length { get; private set; }
        public Task FirstWait => _firstWait.Task;

        public int Write(ReadOnlySpan<byte> data) => _open.Task.IsCompleted ? Take(data) : 0;

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> data)
        {
            _firstWait.TrySetResult();
            await _open.Task;
            Take(data.Span);
        }

        public void Open() => _open.TrySetResult();

        private int Take(ReadOnlySpan<byte> data)
        {
            _hash.AppendData(data);
            Length += data.Length;
            return data.Length;
        }

        public string Sha256 => Convert.ToHexStringLower(_hash.GetCurrentHash());
    }

    [Fact]
    public async Task AFullDestinationHoldsUpOnlyItsOwnChannel()
    {
        // A forwarded socket whose reader has stopped must not stop the connection (other channels,
        // keepalives): its data waits off the receive loop, its window closed, until the socket takes it.
        await using var h = Start(SmallWindows);
        var stalled = new StalledSink();
        await using var slow = await h.Client.OpenSessionAsync(new ChannelSinks(stalled, null)).WaitAsync(Limit);
        const long total = 4 * 1024 * 1024 + 999;
        await slow.ExecAsync($"generate {total}").WaitAsync(Limit);
        await stalled.FirstWait.WaitAsync(Limit);

        var other = new RecordingSink();
        await using var fast = await h.Client.OpenSessionAsync(new ChannelSinks(other, null)).WaitAsync(Limit);
        await fast.ExecAsync("generate 1000000").WaitAsync(Limit);
        Assert.Equal(0, (await fast.Exit.WaitAsync(Limit)).ExitStatus);
        await fast.SinksWritten.WaitAsync(Limit);
        Assert.Equal(1000000, other.Length);
        Assert.Equal(0, stalled.Length);
        Assert.False(slow.SinksWritten.IsCompleted);

        stalled.Open();
        Assert.Equal(0, (await slow.Exit.WaitAsync(Limit)).ExitStatus);
        await slow.SinksWritten.WaitAsync(Limit);
        Assert.Equal(total, stalled.Length);
        Assert.Equal(PatternSha256(total), stalled.Sha256);
        Assert.Empty(h.Server.Violations);
    }

    [Fact]
    public async Task AFailedSinkOnAForwardedChannelSendsNoEndOfWrite()
    {
        // OpenSSH sends eow@openssh.com for sessions only; a relay closes its channel instead.
        await using var h = Start();
        var sink = new RecordingSink(failAfterWrites: 0);
        await using var channel = await h.Client.OpenDirectTcpipAsync("echo", 7, "127.0.0.1", 5555, new ChannelSinks(sink, null)).WaitAsync(Limit);
        await channel.GetInputStream().WriteAsync("hello"u8.ToArray()).AsTask().WaitAsync(Limit);
        await channel.SendEofAsync().AsTask().WaitAsync(Limit);
        await channel.SinksWritten.WaitAsync(Limit);
        Assert.Equal(1, sink.FailedWrites);
        Assert.DoesNotContain(h.Server.Requests, r => r.RequestType == ChannelRequestTypes.EndOfWrite);
    }
}
