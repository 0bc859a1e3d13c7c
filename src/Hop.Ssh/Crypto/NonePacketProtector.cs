using System.Buffers.Binary;

namespace Hop.Ssh.Crypto;

/// <summary>
/// The "none" protection in force before the first SSH_MSG_NEWKEYS (RFC 4253 §6): block size 8,
/// no MAC, the length field in clear.
/// </summary>
public sealed class NonePacketProtector : IPacketProtector
{
    /// <inheritdoc/>
    public int BlockSize => 8;

    /// <inheritdoc/>
    public int TagLength => 0;

    /// <inheritdoc/>
    public bool LengthExcludedFromPadding => false;

    /// <inheritdoc/>
    public int LengthPrefixBytes => 4;

    /// <inheritdoc/>
    public void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag)
    {
        if (packet.Length < 4) throw new ArgumentException("packet shorter than its length field", nameof(packet));
    }

    /// <inheritdoc/>
    public uint DecryptLength(uint sequenceNumber, Span<byte> prefix) => BinaryPrimitives.ReadUInt32BigEndian(prefix);

    /// <inheritdoc/>
    public bool Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag) => true;

    /// <inheritdoc/>
    public void Dispose() { }
}
