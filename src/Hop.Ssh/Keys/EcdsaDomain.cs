using Hop.Ssh.Crypto;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Math.EC;
using Org.BouncyCastle.Math.EC.Multiplier;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace Hop.Ssh.Keys;

/// <summary>
/// The NIST curves' arithmetic done with BouncyCastle rather than the BCL's ECDsa, which loads and
/// initialises OpenSSL (about a third of `hop keygen -t ecdsa`'s and `hop keygen -l`'s time) for a step
/// that needs none of it: making a key pair and checking that a public point lies on its curve.
/// Signing and verifying stay with the BCL.
/// </summary>
internal static class EcdsaDomain
{
    /// <summary>
    /// A new key pair (FIPS 186-5 A.2.2, rejection sampling): d uniform in [1, n-1] from libsodium's
    /// randombytes, Q = d·G by BouncyCastle's fixed-point comb (for P-256 with the table made ahead of
    /// time, <see cref="P256FixedPointComb"/>). Returns d (big-endian, field-size) and Q
    /// uncompressed (0x04 || X || Y). BouncyCastle's BigInteger is immutable, so its copy of d cannot be
    /// zeroed; it is unreachable once this returns (the key keeps only the byte array, zeroed on dispose).
    /// </summary>
    public static (byte[] D, byte[] Q) GenerateKeyPair(EcdsaCurve curve)
    {
        var domain = Domain(curve);
        if (curve.Oid == EcdsaCurve.P256.Oid) P256FixedPointComb.Install(domain.G);
        var d = new byte[curve.FieldBytes];
        int spareBits = 8 * curve.FieldBytes - curve.Bits;
        BigInteger k;
        do
        {
            KeyRandom.Fill(d);
            d[0] &= (byte)(0xff >> spareBits);
            k = new BigInteger(1, d);
        }
        while (k.SignValue == 0 || k.CompareTo(domain.N) >= 0);
        // ECCurve.NormalizeAll rather than ECPoint.Normalize: the latter blinds its inversion with a
        // BouncyCastle SecureRandom, whose seeding is the BCL's RandomNumberGenerator, i.e. OpenSSL.
        // The field inversion itself is constant-time (BouncyCastle's Mod.ModOddInverse).
        ECPoint[] point = [new FixedPointCombMultiplier().Multiply(domain.G, k)];
        domain.Curve.NormalizeAll(point);
        return (d, point[0].GetEncoded(false));
    }

    /// <summary>
    /// Whether the uncompressed point <paramref name="q"/> lies on the curve (SEC 1 §3.2.2.1: coordinates
    /// in the field, the curve equation; the NIST curves have cofactor 1, so that is the whole check).
    /// </summary>
    public static bool IsValidPublicKey(EcdsaCurve curve, ReadOnlySpan<byte> q)
    {
        try
        {
            return Domain(curve).Curve.DecodePoint(q.ToArray()).IsValid();
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static X9ECParameters Domain(EcdsaCurve curve) =>
        CustomNamedCurves.GetByOid(new DerObjectIdentifier(curve.Oid))
        ?? throw new SshKeyFormatException($"unsupported ECDSA curve {curve.Name}");
}
