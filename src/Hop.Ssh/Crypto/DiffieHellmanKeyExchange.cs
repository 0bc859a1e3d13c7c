using System.Numerics;
using System.Security.Cryptography;

namespace Hop.Ssh.Crypto;

/// <summary>
/// Diffie-Hellman over a prime group (RFC 4253 §8): e = g^x mod p and f = g^y mod p travel as
/// mpints; each side checks the other's value lies in [2, p-2] (RFC 4253 §8: 1 &lt; e, f &lt; p-1);
/// K = f^x mod p, encoded as an mpint. Values cross this interface as big-endian magnitudes (the
/// content of the mpint without its sign byte), as SshReader.ReadMpintUnsigned returns them and
/// SshWriter.WriteMpint takes them.
/// </summary>
/// <remarks>
/// The private exponent has twice the bits of the strength the session needs, at least 512, at
/// most bits(p) - 1, as OpenSSH's dh_gen_key does; with the 64 bytes the strongest ciphers and MACs
/// derive that is 1024 bits.
/// </remarks>
public sealed class DiffieHellmanKeyExchange : IKeyExchange
{
    /// <summary>Bytes of key material the session needs at most (chacha20-poly1305, hmac-sha2-512).</summary>
    public const int DefaultNeedBytes = 64;

    private readonly BigInteger _p;
    private readonly BigInteger _g;
    private readonly int _exponentBits;
    private BigInteger _x;
    private readonly byte[] _e;

    /// <summary>Creates an exchange over the group (p, g), given as positive integers.</summary>
    /// <param name="p">The safe prime modulus.</param>
    /// <param name="g">The generator.</param>
    /// <param name="hash">The exchange hash (SHA-256 or SHA-512).</param>
    /// <param name="needBytes">The largest key, IV or MAC key the session derives, in bytes.</param>
    public DiffieHellmanKeyExchange(BigInteger p, BigInteger g, HashAlgorithmName hash, int needBytes = DefaultNeedBytes)
    {
        if (p.Sign <= 0 || p.IsEven) throw new ArgumentException("DH modulus must be an odd positive integer", nameof(p));
        if (g <= BigInteger.One || g >= p - BigInteger.One) throw new ArgumentException("DH generator out of range", nameof(g));
        _p = p;
        _g = g;
        Hash = hash;
        int pBits = (int)p.GetBitLength();
        _exponentBits = Math.Min(2 * Math.Max(needBytes * 8, 256), pBits - 1);
        _x = NewExponent(_exponentBits);
        _e = ToMpintContent(BigInteger.ModPow(_g, _x, _p));
    }

    /// <summary>Bits of the modulus p.</summary>
    public int ModulusBits => (int)_p.GetBitLength();

    /// <inheritdoc/>
    public HashAlgorithmName Hash { get; }

    /// <inheritdoc/>
    /// <remarks>e as the content of its mpint: big-endian, with a leading zero byte when the top bit is set.</remarks>
    public ReadOnlySpan<byte> ClientPublic => _e;

    /// <inheritdoc/>
    /// <remarks>f as a big-endian magnitude (a leading zero byte is tolerated).</remarks>
    public byte[] DeriveSharedSecret(ReadOnlySpan<byte> serverPublic) => Agree(_x, serverPublic, "f");

    /// <inheritdoc/>
    public (byte[] ServerPublic, byte[] SharedSecret) Respond(ReadOnlySpan<byte> clientPublic)
    {
        BigInteger y = NewExponent(_exponentBits);
        byte[] k = Agree(y, clientPublic, "e");
        return (ToMpintContent(BigInteger.ModPow(_g, y, _p)), k);
    }

    private byte[] Agree(BigInteger exponent, ReadOnlySpan<byte> peerValue, string name)
    {
        if (peerValue.Length > (ModulusBits + 7) / 8 + 1) throw new SshProtocolException($"DH value {name} is larger than the modulus");
        var peer = new BigInteger(peerValue, isUnsigned: true, isBigEndian: true);
        if (peer <= BigInteger.One || peer >= _p - BigInteger.One)
            throw new SshProtocolException($"DH value {name} out of range (must be 1 < {name} < p-1)");
        byte[] k = ToMagnitude(BigInteger.ModPow(peer, exponent, _p));
        try
        {
            return SharedSecretEncoding.Mpint(k);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(k);
        }
    }

    private static BigInteger NewExponent(int bits)
    {
        var bytes = new byte[(bits + 7) / 8];
        try
        {
            RandomNumberGenerator.Fill(bytes);
            int excess = bytes.Length * 8 - bits;
            bytes[0] &= (byte)(0xFF >> excess);
            bytes[0] |= (byte)(0x80 >> excess); // exactly `bits` bits
            return new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>The content bytes of an mpint (RFC 4251 §5) for a non-negative value.</summary>
    internal static byte[] ToMpintContent(BigInteger value) => value.ToByteArray(isUnsigned: false, isBigEndian: true);

    internal static byte[] ToMagnitude(BigInteger value) => value.ToByteArray(isUnsigned: true, isBigEndian: true);

    /// <inheritdoc/>
    /// <remarks>System.Numerics.BigInteger is immutable, so the exponent is dropped, not zeroed.</remarks>
    public void Dispose() => _x = BigInteger.Zero;
}
