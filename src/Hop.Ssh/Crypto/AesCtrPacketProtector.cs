using System.Buffers.Binary;

namespace Hop.Ssh.Crypto;

/// <summary>
/// aes128-ctr, aes192-ctr, aes256-ctr (RFC 4344) with an HMAC (RFC 4253 §6.4, RFC 6668).
/// Encrypt-and-MAC: the MAC covers seq || the plaintext packet and the length field is encrypted
/// with the rest, so <see cref="DecryptLength"/> decrypts the first block in place.
/// Encrypt-then-MAC (the *-etm@openssh.com MACs): the length stays in clear, the MAC covers
/// seq || length || ciphertext and is checked before anything is decrypted.
/// </summary>
public sealed class AesCtrPacketProtector : IPacketProtector
{
    private const int AesBlock = 16;

    private readonly AesCtrKeystream _keystream;
    private readonly PacketMac _mac;
    private readonly bool _encryptThenMac;
    // Encrypt-and-MAC: the sequence number whose first block DecryptLength already decrypted.
    private bool _prefixDecrypted;
    private uint _prefixSequence;
    private uint _prefixLength;

    /// <summary>Creates the protector from the AES key (16, 24 or 32 bytes), the 16-byte IV and the MAC.</summary>
    public AesCtrPacketProtector(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, MacAlgorithm mac, ReadOnlySpan<byte> macKey)
    {
        ArgumentNullException.ThrowIfNull(mac);
        _keystream = new AesCtrKeystream(key, iv);
        try
        {
            _mac = new PacketMac(mac, macKey);
        }
        catch
        {
            _keystream.Dispose();
            throw;
        }
        _encryptThenMac = mac.IsEncryptThenMac;
    }

    /// <inheritdoc/>
    public int BlockSize => AesBlock;

    /// <inheritdoc/>
    public int TagLength => _mac.TagLength;

    /// <inheritdoc/>
    public bool LengthExcludedFromPadding => _encryptThenMac;

    /// <inheritdoc/>
    public int LengthPrefixBytes => _encryptThenMac ? 4 : AesBlock;

    /// <inheritdoc/>
    public void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag)
    {
        if (packet.Length < 5) throw new ArgumentException("packet too short", nameof(packet));
        if (_encryptThenMac)
        {
            _keystream.Apply(packet[4..]);
            _mac.Compute(sequenceNumber, packet, tag);
        }
        else
        {
            _mac.Compute(sequenceNumber, packet, tag);
            _keystream.Apply(packet);
        }
    }

    /// <inheritdoc/>
    public uint DecryptLength(uint sequenceNumber, Span<byte> prefix)
    {
        if (prefix.Length < LengthPrefixBytes) throw new ArgumentException($"need {LengthPrefixBytes} bytes to read the length", nameof(prefix));
        if (_encryptThenMac) return BinaryPrimitives.ReadUInt32BigEndian(prefix);
        if (_prefixDecrypted && _prefixSequence == sequenceNumber) return _prefixLength;
        _keystream.Apply(prefix[..AesBlock]);
        _prefixDecrypted = true;
        _prefixSequence = sequenceNumber;
        _prefixLength = BinaryPrimitives.ReadUInt32BigEndian(prefix);
        return _prefixLength;
    }

    /// <inheritdoc/>
    public bool Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag)
    {
        if (packet.Length < 5) throw new ArgumentException("packet too short", nameof(packet));
        if (_encryptThenMac)
        {
            if (!_mac.Verify(sequenceNumber, packet, tag)) return false;
            _keystream.Apply(packet[4..]);
            return true;
        }
        bool prefixDone = _prefixDecrypted && _prefixSequence == sequenceNumber && packet.Length >= AesBlock;
        _prefixDecrypted = false;
        _keystream.Apply(prefixDone ? packet[AesBlock..] : packet);
        return _mac.Verify(sequenceNumber, packet, tag);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _keystream.Dispose();
        _mac.Dispose();
    }
}
