using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Hop.Ssh.Crypto;

namespace Hop.Ssh.Transport;

/// <summary>
/// Writes the binary packet protocol (RFC 4253 §6): pads and seals each packet in place. Packets
/// may be held back and written together, one write call for several, to save syscalls in bulk
/// transfers. Not thread-safe: the transport serialises calls.
/// </summary>
internal sealed class PacketWriter
{
    private readonly Stream _stream;
    private byte[] _buffer = new byte[64 * 1024];
    private int _pending;

    /// <summary>
    /// Random bytes for padding, drawn from the CSPRNG 4 KiB at a time: one call per packet cost a
    /// getpid(2) each (OpenSSL's fork check), 32 Ki system calls per GiB.
    /// </summary>
    private readonly byte[] _padding = new byte[4096];
    private int _paddingUsed = 4096;

    public PacketWriter(Stream stream, IPacketProtector initial)
    {
        _stream = stream;
        Protector = initial;
    }

    public IPacketProtector Protector { get; set; }
    public uint SequenceNumber { get; set; }
    public long BytesSinceRekey { get; set; }
    public long PacketsSinceRekey { get; set; }

    /// <summary>Bytes of sealed packets in the buffer not yet written to the stream.</summary>
    public int Pending => _pending;

    /// <summary>Seals one packet and writes it, with any held back before it, in one write call.</summary>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        Append(payload.Span, default);
        return FlushPendingAsync(ct);
    }

    /// <summary>
    /// Seals one packet whose payload is <paramref name="head"/> then <paramref name="body"/>
    /// behind those already held back, without writing. Two pieces so that a channel's DATA
    /// (a header, then the caller's bytes) is copied once, into the packet, and not first joined.
    /// With <paramref name="padTo"/>, padded beyond the cipher's block so that the padded part (what
    /// the block size applies to) is a multiple of it (rounded up to the block size), as OpenSSH's
    /// sshpkt_add_padding does for passwords: the packet's length then hides the secret's.
    /// </summary>
    public void Append(ReadOnlySpan<byte> head, ReadOnlySpan<byte> body, int padTo = 0) => _pending += Build(head, body, _pending, padTo);

    /// <summary>Holds back bytes that are not a packet (our version line), to go out with the next packet.</summary>
    public void AppendRaw(ReadOnlySpan<byte> bytes)
    {
        EnsureRoom(_pending + bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_pending));
        _pending += bytes.Length;
    }

    /// <summary>Writes every packet held back.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask FlushPendingAsync(CancellationToken ct)
    {
        if (_pending == 0) return;
        int n = _pending;
        _pending = 0;
        await _stream.WriteAsync(_buffer.AsMemory(0, n), ct).ConfigureAwait(false);
    }

    /// <summary>Lays out, pads and seals one packet at <paramref name="offset"/> in the buffer; returns its size on the wire.</summary>
    private int Build(ReadOnlySpan<byte> head, ReadOnlySpan<byte> body, int offset, int padTo)
    {
        int payloadLength = head.Length + body.Length;
        if (payloadLength > PacketReader.MaxPacketLength - 64)
            throw new ArgumentException($"payload of {payloadLength} bytes is too large", nameof(body));
        var p = Protector;
        int block = Math.Max(p.BlockSize, 8);
        int unpadded = (p.LengthExcludedFromPadding ? 0 : 4) + 1 + payloadLength;
        int padding = block - (unpadded % block);
        if (padding < 4) padding += block;
        if (padTo > 0)
        {
            // As OpenSSH: always some extra, up to the next multiple (a whole one when already there).
            int extra = (padTo + block - 1) / block * block;
            padding += extra - (unpadded + padding) % extra;
            if (padding > byte.MaxValue) throw new ArgumentOutOfRangeException(nameof(padTo), "padding past 255 bytes");
        }
        int packetLength = 1 + payloadLength + padding;
        int total = 4 + packetLength + p.TagLength;
        EnsureRoom(offset + total);
        var span = _buffer.AsSpan(offset, total);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)packetLength);
        span[4] = (byte)padding;
        head.CopyTo(span[5..]);
        body.CopyTo(span[(5 + head.Length)..]);
        FillPadding(span.Slice(5 + payloadLength, padding));
        p.Seal(SequenceNumber, span[..(4 + packetLength)], span.Slice(4 + packetLength, p.TagLength));
        SequenceNumber++;
        BytesSinceRekey += total;
        PacketsSinceRekey++;
        return total;
    }

    private void FillPadding(Span<byte> destination)
    {
        if (_padding.Length - _paddingUsed < destination.Length)
        {
            RandomNumberGenerator.Fill(_padding);
            _paddingUsed = 0;
        }
        _padding.AsSpan(_paddingUsed, destination.Length).CopyTo(destination);
        _paddingUsed += destination.Length;
    }

    private void EnsureRoom(int size)
    {
        if (_buffer.Length >= size) return;
        var larger = new byte[Math.Max(size, _buffer.Length * 2)];
        _buffer.AsSpan(0, _pending).CopyTo(larger);
        _buffer = larger;
    }

    public ValueTask FlushAsync(CancellationToken ct) => new(_stream.FlushAsync(ct));
}
