namespace Hop.Ssh.Crypto;

/// <summary>
/// One direction of the binary packet protocol's protection (RFC 4253 §6): the cipher and MAC, or
/// an AEAD, as one object, so that the transport frames every kind the same way. It works in place
/// on a whole packet laid out as uint32 packet_length, byte padding_length, payload, padding.
/// Not thread-safe: one per direction, used by that direction's loop only.
/// </summary>
public interface IPacketProtector : IDisposable
{
    /// <summary>The cipher block size the padding rounds to (8 at least).</summary>
    int BlockSize { get; }

    /// <summary>Bytes of MAC or AEAD tag that follow each packet.</summary>
    int TagLength { get; }

    /// <summary>
    /// True when the 4-byte length field stays out of the padding alignment and is sent in clear or
    /// separately encrypted (AEAD modes, chacha20-poly1305, encrypt-then-MAC).
    /// </summary>
    bool LengthExcludedFromPadding { get; }

    /// <summary>How many leading bytes of a packet <see cref="DecryptLength"/> needs (4, or one cipher block).</summary>
    int LengthPrefixBytes { get; }

    /// <summary>
    /// Encrypts <paramref name="packet"/> (length field first) in place and writes the tag or MAC
    /// into <paramref name="tag"/> (<see cref="TagLength"/> bytes).
    /// </summary>
    void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag);

    /// <summary>
    /// Returns packet_length from the first <see cref="LengthPrefixBytes"/> bytes of a received packet.
    /// It may decrypt those bytes in place; <see cref="Open"/> is then given the same buffer.
    /// </summary>
    uint DecryptLength(uint sequenceNumber, Span<byte> prefix);

    /// <summary>
    /// Checks the tag and decrypts the rest of <paramref name="packet"/> in place (the whole packet,
    /// length field included, as received, with the prefix as <see cref="DecryptLength"/> left it).
    /// </summary>
    /// <returns>false when the MAC or tag is wrong; the caller then disconnects.</returns>
    bool Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag);
}
