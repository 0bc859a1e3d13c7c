using System.Buffers.Binary;
using System.Security.Cryptography;
using Hop.Ssh.Crypto;

namespace Hop.Ssh.Transport;

/// <summary>
/// Writes the binary packet protocol (RFC 4253 §6): pads, seals in place and writes each packet
/// with one write call. Not thread-safe: the transport serialises calls.
/// </summary>
internal sealed class PacketWriter
{
    private readonly Stream _stream;
    private byte[] _buffer = new byte[64 * 1024];

    public PacketWriter(Stream stream, IPacketProtector initial)
    {
        _stream = stream;
        Protector = initial;
    }

    public IPacketProtector Protector { get; set; }
    public uint SequenceNumber { get; set; }
    public long BytesSinceRekey { get; set; }
    public long PacketsSinceRekey { get; set; }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        int total = Build(payload.Span);
        await _stream.WriteAsync(_buffer.AsMemory(0, total), ct).ConfigureAwait(false);
    }

    /// <summary>Lays out, pads and seals one packet at the start of the buffer; returns its size on the wire.</summary>
    private int Build(ReadOnlySpan<byte> payload)
    {
        if (payload.Length > PacketReader.MaxPacketLength - 64)
            throw new ArgumentException($"payload of {payload.Length} bytes is too large", nameof(payload));
        var p = Protector;
        int block = Math.Max(p.BlockSize, 8);
        int unpadded = (p.LengthExcludedFromPadding ? 0 : 4) + 1 + payload.Length;
        int padding = block - (unpadded % block);
        if (padding < 4) padding += block;
        int packetLength = 1 + payload.Length + padding;
        int total = 4 + packetLength + p.TagLength;
        if (_buffer.Length < total) _buffer = new byte[Math.Max(total, _buffer.Length * 2)];
        var span = _buffer.AsSpan(0, total);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)packetLength);
        span[4] = (byte)padding;
        payload.CopyTo(span[5..]);
        RandomNumberGenerator.Fill(span.Slice(5 + payload.Length, padding));
        p.Seal(SequenceNumber, span[..(4 + packetLength)], span.Slice(4 + packetLength, p.TagLength));
        SequenceNumber++;
        BytesSinceRekey += total;
        PacketsSinceRekey++;
        return total;
    }

    public ValueTask FlushAsync(CancellationToken ct) => new(_stream.FlushAsync(ct));
}
