using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Hop.Ssh.Crypto;

/// <summary>Encodes a shared secret K as the exchange hash takes it (RFC 4251 §5), length prefix included.</summary>
internal static class SharedSecretEncoding
{
    /// <summary>uint32 length || mpint content of a non-negative big-endian magnitude.</summary>
    public static byte[] Mpint(ReadOnlySpan<byte> magnitude)
    {
        int start = 0;
        while (start < magnitude.Length && magnitude[start] == 0) start++;
        var m = magnitude[start..];
        int pad = m.Length > 0 && (m[0] & 0x80) != 0 ? 1 : 0;
        var encoded = new byte[4 + pad + m.Length];
        BinaryPrimitives.WriteUInt32BigEndian(encoded, (uint)(pad + m.Length));
        m.CopyTo(encoded.AsSpan(4 + pad));
        return encoded;
    }

    /// <summary>uint32 length || bytes.</summary>
    public static byte[] String(ReadOnlySpan<byte> content)
    {
        var encoded = new byte[4 + content.Length];
        BinaryPrimitives.WriteUInt32BigEndian(encoded, (uint)content.Length);
        content.CopyTo(encoded.AsSpan(4));
        return encoded;
    }

    /// <summary>
    /// K of the post-quantum hybrids: string(HASH(kem_secret || x25519_secret)), as OpenSSH's
    /// kex_kem_*_dec and the IETF drafts have it.
    /// </summary>
    public static byte[] HybridString(HashAlgorithmName hash, ReadOnlySpan<byte> kemSecret, ReadOnlySpan<byte> x25519Secret)
    {
        using var h = IncrementalHash.CreateHash(hash);
        h.AppendData(kemSecret);
        h.AppendData(x25519Secret);
        Span<byte> digest = stackalloc byte[64];
        int n = h.GetHashAndReset(digest);
        try
        {
            return String(digest[..n]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(digest);
        }
    }
}
