using System.Buffers.Binary;
using Hop.Ssh.Crypto;
using Hop.Ssh.Tests.Crypto;
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

    /// <summary>
    /// A password request padded as OpenSSH pads it (to 64 bytes): under every cipher and MAC, the
    /// padded part of the packet is a multiple of 64, so passwords of 1 to 40 bytes give at most two
    /// packet sizes on the wire (one for those that fit a 64-byte step), where unpadded every 16 (or
    /// 8) bytes of password showed; and the peer reads the message back.
    /// </summary>
    [Fact]
    public async Task PaddedPacketsHideTheSecretsLengthUnderEveryCipher()
    {
        foreach (var (cipher, mac) in ProtectorTestKit.AllCombinations())
        {
            var sizes = new HashSet<long>();
            var plainSizes = new HashSet<long>();
            for (int secret = 1; secret <= 40; secret++)
            {
                var payload = new byte[38 + secret]; // request, user, service, "password", FALSE, the password
                payload[0] = 50;
                payload[^1] = (byte)secret;
                var wire = new MemoryStream();
                using var sender = ProtectorTestKit.Create(cipher, mac);
                var writer = new PacketWriter(wire, sender);
                writer.Append(payload, default, padTo: 64);
                await writer.FlushPendingAsync(CancellationToken.None);
                sizes.Add(wire.Length);
                using var receiver = ProtectorTestKit.Create(cipher, mac);
                var reader = new PacketReader(new MemoryStream(wire.ToArray()), receiver);
                Assert.Equal(payload, (await reader.ReadPacketAsync(CancellationToken.None)).ToArray());

                var plain = new MemoryStream();
                using var plainSender = ProtectorTestKit.Create(cipher, mac);
                var plainWriter = new PacketWriter(plain, plainSender);
                plainWriter.Append(payload, default);
                await plainWriter.FlushPendingAsync(CancellationToken.None);
                plainSizes.Add(plain.Length);
            }
            Assert.True(sizes.Count <= 2, $"{cipher.Name} {mac?.Name}: {string.Join(' ', sizes)}");
            Assert.True(plainSizes.Count >= 3, $"{cipher.Name} {mac?.Name}: unpadded sizes {string.Join(' ', plainSizes)}");
        }
    }

    [Fact]
    public async Task PaddingToAMultipleKeepsTheBlockAndAddsAWholeStepWhenAlreadyThere()
    {
        var wire = new MemoryStream();
        var writer = new PacketWriter(wire, CipherAlgorithms.CreateNone());
        for (int length = 1; length <= 200; length++)
        {
            wire.SetLength(0);
            writer.Append(new byte[length], default, padTo: 64);
            await writer.FlushPendingAsync(CancellationToken.None);
            int packetLength = (int)BinaryPrimitives.ReadUInt32BigEndian(wire.GetBuffer());
            int padding = wire.GetBuffer()[4];
            Assert.Equal(0, (4 + packetLength) % 64);
            int blockOnly = 8 - (5 + length) % 8;
            if (blockOnly < 4) blockOnly += 8;
            Assert.True(padding > blockOnly, $"payload {length}: padding {padding}, block alone {blockOnly}");
        }
    }
}
