using System.Runtime.CompilerServices;
using Hop.Ssh.Crypto;

namespace Hop.Ssh.Transport;

/// <summary>
/// Reads the binary packet protocol (RFC 4253 §6) from a stream through one buffer: bytes are
/// read in large chunks, decrypted in place, and each payload is handed out as a slice of that
/// buffer, valid until the next read. Packet lengths are bounded (256 KiB), and padding, block
/// alignment and MAC are all checked.
/// </summary>
internal sealed class PacketReader
{
    /// <summary>The largest packet_length accepted (OpenSSH's PACKET_MAX_SIZE).</summary>
    public const int MaxPacketLength = 256 * 1024;
    private const int MaxVersionLine = 8192;

    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[2 * MaxPacketLength + 1024];
    private int _start;
    private int _end;

    public PacketReader(Stream stream, IPacketProtector initial)
    {
        _stream = stream;
        Protector = initial;
    }

    public IPacketProtector Protector { get; set; }
    public uint SequenceNumber { get; set; }

    /// <summary>
    /// Called on the reading thread when the packets already read are used up, before the buffer's
    /// content moves or the stream is read again: the connection hands what it received to its
    /// consumers then (straight from this buffer, for a sink), so they work while more arrives, and
    /// the read that follows finds more waiting.
    /// </summary>
    public Action? BeforeStreamRead { get; set; }

    /// <summary>Bytes and packets read since the counters were last reset (for rekeying).</summary>
    public long BytesSinceRekey { get; set; }
    public long PacketsSinceRekey { get; set; }

    /// <summary>Reads one line ending in LF (CR before it dropped), for the version exchange.</summary>
    public async ValueTask<string> ReadLineAsync(CancellationToken ct)
    {
        int scanned = 0;
        while (true)
        {
            int nl = Array.IndexOf(_buffer, (byte)'\n', _start + scanned, _end - _start - scanned);
            if (nl >= 0)
            {
                int len = nl - _start;
                if (len > 0 && _buffer[nl - 1] == '\r') len--;
                var span = _buffer.AsSpan(_start, len);
                if (span.Contains((byte)0)) throw new SshProtocolException("NUL byte in the server's version line");
                string line = System.Text.Encoding.UTF8.GetString(span);
                _start = nl + 1;
                return line;
            }
            scanned = _end - _start;
            if (scanned >= MaxVersionLine) throw new SshProtocolException("the server's version line is too long");
            await FillAsync(scanned + 1, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Reads, checks and decrypts the next packet and returns its payload.</summary>
    // Pooled, as FillAsync and the transport's methods above them: in a bulk transfer most socket
    // reads wait, and every wait would otherwise put each method's state on the heap (13 MiB per GiB).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ReadOnlyMemory<byte>> ReadPacketAsync(CancellationToken ct)
    {
        var p = Protector;
        int prefix = p.LengthPrefixBytes;
        await FillAsync(prefix, ct).ConfigureAwait(false);
        uint packetLength = p.DecryptLength(SequenceNumber, _buffer.AsSpan(_start, prefix));
        if (packetLength < 5 || packetLength > MaxPacketLength)
            throw new SshProtocolException($"Bad packet length {packetLength}.");
        int len = (int)packetLength;
        int aligned = p.LengthExcludedFromPadding ? len : len + 4;
        if (aligned % p.BlockSize != 0)
            throw new SshProtocolException($"padding error: packet length {len} is not a multiple of the block size {p.BlockSize}");
        int total = 4 + len + p.TagLength;
        await FillAsync(total, ct).ConfigureAwait(false);
        var packet = _buffer.AsSpan(_start, 4 + len);
        var tag = _buffer.AsSpan(_start + 4 + len, p.TagLength);
        if (!p.Open(SequenceNumber, packet, tag)) throw new SshProtocolException("Corrupted MAC on input.");
        int padding = packet[4];
        if (padding < 4 || padding > len - 2)
            throw new SshProtocolException($"invalid padding length {padding} in a packet of {len} bytes");
        int payloadLength = len - padding - 1;
        var payload = new ReadOnlyMemory<byte>(_buffer, _start + 5, payloadLength);
        _start += total;
        SequenceNumber++;
        BytesSinceRekey += total;
        PacketsSinceRekey++;
        return payload;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FillAsync(int needed, CancellationToken ct)
    {
        if (_end - _start >= needed) return;
        // Out of packets: the payloads already handed out (slices of this buffer, which the move
        // below may overwrite, and the read after it) are used up first.
        BeforeStreamRead?.Invoke();
        // Keep at least one largest packet of room behind the data, so that every socket read can
        // take whatever the kernel holds: reads into a short tail cost a syscall for a few bytes.
        // What moves is at most one partial packet.
        if (_buffer.Length - _end < MaxPacketLength + 1024 || _start == _end)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        while (_end - _start < needed)
        {
            int n = await _stream.ReadAsync(_buffer.AsMemory(_end), ct).ConfigureAwait(false);
            if (n == 0) throw new SshConnectionException("Connection closed by remote host");
            _end += n;
        }
    }
}
