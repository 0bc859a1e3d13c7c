using Hop.Ssh.Mux;
using Hop.Ssh.Tests.Sftp;

namespace Hop.Ssh.Tests.Mux;

/// <summary>Proxy mode's framing (PROTOCOL.mux §9) as OpenSSH's master and ssh -O proxy write it, and the packet connection over it.</summary>
public class MuxProxyTests
{
    [Fact]
    public void AFrameIsLengthZeroPaddingLengthAndPayloadWithNoPadding()
    {
        // CHANNEL_EOF for channel 0, as ssh -O proxy sent it to OpenSSH 9.2's master.
        byte[] eof = [96, 0, 0, 0, 0];
        Assert.Equal([0, 0, 0, 6, 0, 96, 0, 0, 0, 0], MuxProxyFraming.Frame(eof));
        Assert.Throws<ArgumentException>(() => MuxProxyFraming.Frame([]));
        Assert.Throws<SshProtocolException>(() => MuxProxyFraming.Frame(new byte[MuxProxyFraming.MaxPacketLength]));
        Assert.Equal(MuxProxyFraming.MaxPacketLength + 4, MuxProxyFraming.Frame(new byte[MuxProxyFraming.MaxPacketLength - 1]).Length);
    }

    [Fact]
    public void ReadingWaitsForAWholeFrameAndRejectsBadLengths()
    {
        byte[] frame = [0, 0, 0, 6, 0, 96, 0, 0, 0, 0, 0xff];
        for (int i = 0; i < 10; i++) Assert.False(MuxProxyFraming.TryRead(frame.AsSpan(0, i), out _, out _));
        Assert.True(MuxProxyFraming.TryRead(frame, out int length, out Range payload));
        Assert.Equal(10, length);
        Assert.Equal([96, 0, 0, 0, 0], frame[payload]);
        // The padding length byte is skipped whatever it says, as OpenSSH's reader does.
        Assert.True(MuxProxyFraming.TryRead([0, 0, 0, 2, 9, 80], out _, out payload));
        Assert.Equal(5..6, payload);
        foreach (byte[] bad in new[] { new byte[] { 0, 0, 0, 1, 0 }, [0, 0, 0, 0], [0, 4, 0, 1, 0], [0xff, 0xff, 0xff, 0xff] })
            Assert.Throws<SshProtocolException>(() => MuxProxyFraming.TryRead(bad, out _, out _));
    }

    [Fact]
    public async Task TheConnectionSendsOnlyConnectionMessagesAndSkipsTransportNoise()
    {
        var (ours, master) = DuplexStream.CreatePair();
        await using var packets = new MuxProxyConnection(ours);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        await packets.SendAsync(new byte[] { 2, 0, 0, 0, 0 }, timeout.Token); // IGNORE: not relayed by a master, not sent
        await packets.SendAsync(new byte[] { 96, 0, 0, 0, 7 }, timeout.Token);
        var sent = new byte[10];
        await master.ReadExactlyAsync(sent, timeout.Token);
        Assert.Equal([0, 0, 0, 6, 0, 96, 0, 0, 0, 7], sent);

        // IGNORE, then a DATA frame split over writes, then one longer than the first buffer.
        byte[] big = new byte[200_000];
        big[0] = 94;
        big[^1] = 0x5a;
        byte[] stream = [.. MuxProxyFraming.Frame([2, 0, 0, 0, 0]), .. MuxProxyFraming.Frame([94, 0, 0, 0, 1, 0, 0, 0, 1, 0x41]), .. MuxProxyFraming.Frame(big)];
        var writing = Task.Run(async () =>
        {
            foreach (var chunk in stream.Chunk(7000))
            {
                await master.WriteAsync(chunk, timeout.Token);
                await master.FlushAsync(timeout.Token);
            }
        });
        Assert.Equal([94, 0, 0, 0, 1, 0, 0, 0, 1, 0x41], (await packets.ReceiveAsync(timeout.Token)).ToArray());
        Assert.Equal(big, (await packets.ReceiveAsync(timeout.Token)).ToArray());
        await writing;

        // DISCONNECT, and the end of the stream, end receiving.
        await master.WriteAsync(MuxProxyFraming.Frame([1, 0, 0, 0, 11, 0, 0, 0, 0, 0, 0, 0, 0]), timeout.Token);
        await master.FlushAsync(timeout.Token);
        await Assert.ThrowsAsync<SshConnectionException>(async () => await packets.ReceiveAsync(timeout.Token));
    }

    [Fact]
    public async Task EndOfStreamIsAClosedConnection()
    {
        var (ours, master) = DuplexStream.CreatePair();
        await using var packets = new MuxProxyConnection(ours);
        await master.DisposeAsync();
        var e = await Assert.ThrowsAsync<SshConnectionException>(async () => await packets.ReceiveAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("Connection closed by remote host", e.Message);
    }
}
