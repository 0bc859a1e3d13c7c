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

        public void Write(ReadOnlySpan<byte> data)
        {
            if (Writes >= failAfterWrites)
            {
                FailedWrites++;
                throw new IOException("Broken pipe");
            }
            Writes++;
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
}
