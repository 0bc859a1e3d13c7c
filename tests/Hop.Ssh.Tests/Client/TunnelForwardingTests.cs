using System.Buffers.Binary;
using System.Collections.Concurrent;
using Hop.Ssh.Client.Forwarding;
using Hop.Ssh.Config;
using Hop.Ssh.Connection.Messages;
using Hop.Ssh.Tests.Connection;

namespace Hop.Ssh.Tests.Client;

/// <summary>
/// tun@openssh.com: the point-to-point framing (a 4-byte address family in OpenBSD's numbers, added
/// from the IP version on the way out, skipped on the way in), one packet per DATA message both
/// ways, and -w's unit syntax (OpenSSH's a2tun).
/// </summary>
public class TunnelForwardingTests
{
    private static byte[] Ipv4Packet(int length, byte fill)
    {
        var p = new byte[length];
        Array.Fill(p, fill);
        p[0] = 0x45;
        return p;
    }

    private static byte[] Ipv6Packet(int length, byte fill)
    {
        var p = new byte[length];
        Array.Fill(p, fill);
        p[0] = 0x60;
        return p;
    }

    [Theory]
    [InlineData(0x45, 2u)]
    [InlineData(0x4f, 2u)]
    [InlineData(0x60, 24u)]
    [InlineData(0x6a, 24u)]
    // Anything else is taken for IPv4, as ssh does.
    [InlineData(0x00, 2u)]
    [InlineData(0x70, 2u)]
    public void TheHeaderIsTheAddressFamilyInOpenBsdsNumbers(byte first, uint family)
    {
        var message = new byte[4 + 40];
        message[4] = first;
        Assert.True(TunnelFraming.AddHeader(message));
        Assert.Equal(family, BinaryPrimitives.ReadUInt32BigEndian(message));
        Assert.Equal(first, message[4]);
    }

    [Fact]
    public void PacketsNoLongerThanAnIpv4HeaderAreNotSent()
    {
        Assert.False(TunnelFraming.AddHeader(new byte[4 + 20]));
        Assert.True(TunnelFraming.AddHeader(new byte[4 + 21]));
    }

    [Fact]
    public void TheHeaderIsSkippedWhateverItSays()
    {
        byte[] message = [0, 0, 0, 99, 0x45, 1, 2];
        Assert.True(TunnelFraming.TryRemoveHeader(message, out var packet));
        Assert.Equal(new byte[] { 0x45, 1, 2 }, packet.ToArray());
        Assert.False(TunnelFraming.TryRemoveHeader([0, 0, 2], out _));
    }

    [Theory]
    [InlineData("5:6", 5, 6)]
    [InlineData("5", 5, 0x7fffffff)]
    [InlineData("any", 0x7fffffff, 0x7fffffff)]
    [InlineData("ANY:3", 0x7fffffff, 3)]
    [InlineData("0:any", 0, 0x7fffffff)]
    [InlineData("2147483645", 2147483645, 0x7fffffff)]
    [InlineData("+5", 5, 0x7fffffff)]
    public void TunnelDevicesAreReadAsSshReadsThem(string value, int local, int remote)
    {
        Assert.Equal((local, remote), ConfigValueParser.TunnelDevice(value));
    }

    [Theory]
    [InlineData("x")]
    [InlineData("5:")]
    [InlineData(":6")]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("2147483646")]
    [InlineData("5:6:7")]
    [InlineData("5x")]
    public void BadTunnelDevicesAreRefused(string value)
    {
        Assert.Null(ConfigValueParser.TunnelDevice(value));
    }

    /// <summary>A device whose reads come from a queue and whose writes are kept.</summary>
    private sealed class FakeDevice : ITunnelDevice
    {
        public BlockingCollection<byte[]> ToRead { get; } = [];
        public BlockingCollection<byte[]> Written { get; } = [];
        public TaskCompletionSource Disposed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _closed = new();

        public string Name => "tun9";

        public int Read(Span<byte> buffer)
        {
            try
            {
                var packet = ToRead.Take(_closed.Token);
                packet.CopyTo(buffer);
                return packet.Length;
            }
            catch (OperationCanceledException)
            {
                return 0;
            }
        }

        public void Write(ReadOnlySpan<byte> packet) => Written.Add(packet.ToArray());

        public void Dispose()
        {
            _closed.Cancel();
            Disposed.TrySetResult();
        }
    }

    private static byte[] Take(BlockingCollection<byte[]> queue) =>
        queue.TryTake(out var item, ConnectionHarness.Limit) ? item : throw new TimeoutException("nothing came");

    [Fact]
    public async Task PointToPointCarriesOnePacketPerMessageWithItsHeader()
    {
        await using var h = ConnectionHarness.Start();
        var device = new FakeDevice();
        await using var forwarding = await TunnelForwarding.OpenAsync(h.Client, device, TunnelMode.PointToPoint, 6).WaitAsync(ConnectionHarness.Limit);
        var (server, details) = await h.Server.TunOpened.Task.WaitAsync(ConnectionHarness.Limit);
        Assert.Equal(TunnelMode.PointToPoint, details.Mode);
        Assert.Equal(6u, details.RemoteUnit);

        // Out: each packet read from the device is one message, its family in front.
        var v4 = Ipv4Packet(100, 1);
        var v6 = Ipv6Packet(1280, 2);
        device.ToRead.Add(v4);
        device.ToRead.Add(v6);
        device.ToRead.Add(Ipv4Packet(20, 3)); // too short: dropped
        device.ToRead.Add(Ipv4Packet(21, 4));
        Assert.Equal([0, 0, 0, 2, .. v4], await server.ReadStdinAsync().WaitAsync(ConnectionHarness.Limit));
        Assert.Equal([0, 0, 0, 24, .. v6], await server.ReadStdinAsync().WaitAsync(ConnectionHarness.Limit));
        Assert.Equal([0, 0, 0, 2, .. Ipv4Packet(21, 4)], await server.ReadStdinAsync().WaitAsync(ConnectionHarness.Limit));

        // In: messages sent back to back (received together) reach the device one by one, header skipped.
        var packets = Enumerable.Range(0, 5).Select(i => Ipv4Packet(60 + i, (byte)i)).ToList();
        foreach (var p in packets) await server.SendDataAsync([0, 0, 0, 2, .. p]);
        await server.SendDataAsync([0, 0]); // shorter than the header: dropped
        await server.SendDataAsync([0, 0, 0, 24, .. v6]);
        foreach (var p in packets) Assert.Equal(p, Take(device.Written));
        Assert.Equal(v6, Take(device.Written));
        Assert.Empty(h.Server.Violations);
    }

    [Fact]
    public async Task EthernetCarriesFramesBareAndTheDeviceClosesWithTheChannel()
    {
        await using var h = ConnectionHarness.Start();
        var device = new FakeDevice();
        var forwarding = await TunnelForwarding.OpenAsync(h.Client, device, TunnelMode.Ethernet, TunChannelOpenDetails.AnyUnit).WaitAsync(ConnectionHarness.Limit);
        var (server, details) = await h.Server.TunOpened.Task.WaitAsync(ConnectionHarness.Limit);
        Assert.Equal(TunnelMode.Ethernet, details.Mode);
        Assert.Equal(0x7fffffffu, details.RemoteUnit);
        var frame = Enumerable.Range(0, 14 + 46).Select(i => (byte)i).ToArray();
        device.ToRead.Add(frame);
        Assert.Equal(frame, await server.ReadStdinAsync().WaitAsync(ConnectionHarness.Limit));
        await server.SendDataAsync(frame);
        Assert.Equal(frame, Take(device.Written));

        await server.CloseAsync();
        await forwarding.Channel.Closed.WaitAsync(ConnectionHarness.Limit);
        await device.Disposed.Task.WaitAsync(ConnectionHarness.Limit);
    }
}
