using System.Numerics;
using System.Security.Cryptography;

namespace Hop.Ssh.Crypto;

/// <summary>
/// diffie-hellman-group-exchange-sha256 (RFC 4419, RFC 8270): the transport sends
/// SSH_MSG_KEX_DH_GEX_REQUEST (min, n, max), receives p and g in SSH_MSG_KEX_DH_GEX_GROUP, and
/// creates the exchange with <see cref="Create"/>; e, f and K then work as for a fixed group
/// (KEX_DH_GEX_INIT / REPLY). The exchange hash additionally covers min, n, max, p and g.
/// </summary>
public static class DiffieHellmanGroupExchange
{
    /// <summary>The smallest modulus accepted (RFC 8270; OpenSSH's DH_GRP_MIN).</summary>
    public const int MinBits = 2048;

    /// <summary>The largest modulus accepted (OpenSSH's DH_GRP_MAX).</summary>
    public const int MaxBits = 8192;

    /// <summary>
    /// The preferred size n to request, from the largest key, IV, block or MAC key the negotiated
    /// algorithms need, in bytes (OpenSSH's dh_estimate of dh_need * 8 bits of strength).
    /// </summary>
    public static int PreferredBits(int needBytes)
    {
        int bits = needBytes * 8;
        int n = bits <= 112 ? 2048 : bits <= 128 ? 3072 : bits <= 192 ? 7680 : 8192;
        return Math.Clamp(n, MinBits, MaxBits);
    }

    /// <summary>
    /// Creates the exchange over the server's group. <paramref name="p"/> and <paramref name="g"/>
    /// are big-endian magnitudes as SshReader.ReadMpintUnsigned returns them. Throws
    /// <see cref="SshProtocolException"/> when p is not odd or outside <paramref name="minBits"/>..
    /// <paramref name="maxBits"/>, or g is not in [2, p-2].
    /// </summary>
    public static DiffieHellmanKeyExchange Create(ReadOnlySpan<byte> p, ReadOnlySpan<byte> g, int minBits = MinBits, int maxBits = MaxBits, int needBytes = DiffieHellmanKeyExchange.DefaultNeedBytes)
    {
        var modulus = new BigInteger(p, isUnsigned: true, isBigEndian: true);
        var generator = new BigInteger(g, isUnsigned: true, isBigEndian: true);
        long bits = modulus.GetBitLength();
        if (bits < Math.Max(minBits, MinBits) || bits > Math.Min(maxBits, MaxBits))
            throw new SshProtocolException($"server sent a {bits}-bit DH group; accepted {Math.Max(minBits, MinBits)} to {Math.Min(maxBits, MaxBits)} bits");
        if (modulus.IsEven) throw new SshProtocolException("server sent an even DH modulus");
        if (generator <= BigInteger.One || generator >= modulus - BigInteger.One)
            throw new SshProtocolException("server sent a DH generator out of range");
        return new DiffieHellmanKeyExchange(modulus, generator, HashAlgorithmName.SHA256, needBytes);
    }
}
