using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Hop.Ssh.Crypto;

/// <summary>
/// aes128-gcm@openssh.com and aes256-gcm@openssh.com (RFC 5647 as OpenSSH implements it): the
/// 4-byte packet length travels in clear as the additional authenticated data, the rest of the
/// packet is encrypted, and a 16-byte tag follows. The 12-byte nonce is the derived IV: a 4-byte
/// fixed field and an 8-byte big-endian invocation counter incremented after every packet.
/// The sequence number is not used.
/// </summary>
public sealed class AesGcmPacketProtector : IPacketProtector
{
    /// <summary>Bytes of IV (fixed field and invocation counter).</summary>
    public const int IvSize = 12;

    private const int TagSize = 16;

    private readonly AesGcm _aes;
    private readonly byte[] _nonce = new byte[IvSize];
    private bool _disposed;

    /// <summary>Creates the protector from a 16- or 32-byte key and the 12-byte IV.</summary>
    public AesGcmPacketProtector(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv)
    {
        if (key.Length is not (16 or 24 or 32)) throw new ArgumentException("AES-GCM key must be 16, 24 or 32 bytes", nameof(key));
        if (iv.Length < IvSize) throw new ArgumentException("AES-GCM needs a 12-byte IV", nameof(iv));
        _aes = new AesGcm(key, TagSize);
        iv[..IvSize].CopyTo(_nonce);
    }

    /// <inheritdoc/>
    public int BlockSize => 16;

    /// <inheritdoc/>
    public int TagLength => TagSize;

    /// <inheritdoc/>
    public bool LengthExcludedFromPadding => true;

    /// <inheritdoc/>
    public int LengthPrefixBytes => 4;

    /// <inheritdoc/>
    public void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (packet.Length < 5) throw new ArgumentException("packet too short", nameof(packet));
        _aes.Encrypt(_nonce, packet[4..], packet[4..], tag[..TagSize], packet[..4]);
        IncrementInvocationCounter();
    }

    /// <inheritdoc/>
    public uint DecryptLength(uint sequenceNumber, Span<byte> prefix) => BinaryPrimitives.ReadUInt32BigEndian(prefix);

    /// <inheritdoc/>
    public bool Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (packet.Length < 5) throw new ArgumentException("packet too short", nameof(packet));
        if (tag.Length < TagSize) return false;
        try
        {
            _aes.Decrypt(_nonce, packet[4..], tag[..TagSize], packet[4..], packet[..4]);
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
        IncrementInvocationCounter();
        return true;
    }

    private void IncrementInvocationCounter()
    {
        var counter = _nonce.AsSpan(4);
        BinaryPrimitives.WriteUInt64BigEndian(counter, unchecked(BinaryPrimitives.ReadUInt64BigEndian(counter) + 1));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _aes.Dispose();
        CryptographicOperations.ZeroMemory(_nonce);
    }
}
