using System.Buffers.Binary;
using Hop.Ssh.Crypto;
using Hop.Ssh.Transport;

namespace Hop.Ssh.Tests.Transport;

/// <summary>The binary packet layout (RFC 4253 §6) and its random padding, as the writer lays it out.</summary>
public class PacketWriterTests
{
    [Fact]
    public async Task PacketsArePaddedToTheBlockWithFreshRandomBytesAcrossPoolRefills()
    {
        var stream = new MemoryStream();
        var writer = new PacketWriter(stream, CipherAlgorithms.CreateNone());
        const int Count = 3000; // at 4 to 11 bytes of padding each, several 4 KiB pools
        for (int i = 0; i < Count; i++)
        {
            var payload = new byte[1 + (i % 23)];
            payload[0] = (byte)i;
            await writer.WriteAsync(payload, CancellationToken.None);
        }

        var data = stream.ToArray();
        var paddings = new List<byte[]>();
        int at = 0;
        for (int i = 0; i < Count; i++)
        {
            int packetLength = (int)BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(at));
            int padding = data[at + 4];
            int payloadLength = packetLength - 1 - padding;
            Assert.Equal(1 + (i % 23), payloadLength);
            Assert.Equal((byte)i, data[at + 5]);
            Assert.InRange(padding, 4, 255);
            Assert.Equal(0, (4 + packetLength) % 8);
            paddings.Add(data.AsSpan(at + 5 + payloadLength, padding).ToArray());
            at += 4 + packetLength;
        }
        Assert.Equal(data.Length, at);
        // No padding repeats the one before it and the bytes are not constant: with at least 32
        // random bits each, a repeat would be a 1 in 4 billion chance.
        for (int i = 1; i < Count; i++)
            Assert.False(paddings[i].AsSpan(0, 4).SequenceEqual(paddings[i - 1].AsSpan(0, 4)), $"padding {i} repeats {i - 1}");
        var all = paddings.SelectMany(p => p).ToArray();
        Assert.True(all.Distinct().Count() > 200, "padding bytes are not spread over the byte values");
    }
}
