using System.Numerics;
using System.Security.Cryptography;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Keys.Formats;

/// <summary>
/// A private key as OpenSSH serialises it inside openssh-key-v1's private section (PROTOCOL.key) and in
/// SSH_AGENTC_ADD_IDENTITY (draft-miller-ssh-agent §3.2): the key type name followed by its fields.
/// <code>
/// string "ssh-ed25519"          string ENC(A)  string k || ENC(A)   (32 + 32 bytes)
/// string "ecdsa-sha2-[curve]"   string curve   string Q             mpint d
/// string "ssh-rsa"              mpint n  mpint e  mpint d  mpint iqmp  mpint p  mpint q
/// </code>
/// The comment that follows in both places is left to the caller.
/// </summary>
public static class OpenSshPrivateKeyBody
{
    private const int MaxRsaBytes = 16384 / 8 + 1;

    /// <summary>Reads a key type name and its private fields.</summary>
    /// <exception cref="SshKeyFormatException">truncated, malformed, unsupported or inconsistent key.</exception>
    public static SshPrivateKey Read(ref SshReader r)
    {
        try
        {
            string type = r.ReadName();
            if (type == Ed25519PublicKey.TypeName) return ReadEd25519(ref r);
            if (type == RsaPublicKey.TypeName) return ReadRsa(ref r);
            if (type.StartsWith("ecdsa-sha2-", StringComparison.Ordinal)) return ReadEcdsa(type, ref r);
            throw new SshKeyFormatException($"unsupported key type {type}");
        }
        catch (SshProtocolException e)
        {
            throw new SshKeyFormatException("malformed private key: " + e.Message, e);
        }
    }

    private static Ed25519PrivateKey ReadEd25519(ref SshReader r)
    {
        var pk = r.ReadString(Ed25519PublicKey.KeyLength);
        var sk = r.ReadString(64);
        if (pk.Length != 32 || sk.Length != 64) throw new SshKeyFormatException("malformed ssh-ed25519 private key");
        if (!sk[32..].SequenceEqual(pk)) throw new SshKeyFormatException("ssh-ed25519 private key does not match its public key");
        return new Ed25519PrivateKey(sk[..32], pk);
    }

    private static EcdsaPrivateKey ReadEcdsa(string type, ref SshReader r)
    {
        string curve = r.ReadName();
        var info = EcdsaCurve.ByName(curve);
        if (info.KeyType != type) throw new SshKeyFormatException($"key type {type} does not match curve {curve}");
        var q = r.ReadString(1 + 2 * info.FieldBytes);
        var d = r.ReadMpintUnsigned(info.FieldBytes + 1);
        return EcdsaPrivateKey.FromParts(curve, q, d);
    }

    private static RsaPrivateKey ReadRsa(ref SshReader r)
    {
        var n = r.ReadMpintUnsigned(MaxRsaBytes);
        var e = r.ReadMpintUnsigned(16);
        var d = r.ReadMpintUnsigned(MaxRsaBytes);
        var iqmp = r.ReadMpintUnsigned(MaxRsaBytes);
        var p = r.ReadMpintUnsigned(MaxRsaBytes);
        var q = r.ReadMpintUnsigned(MaxRsaBytes);
        return RsaParts.ToPrivateKey(n, e, d, iqmp, p, q);
    }

    /// <summary>Writes the key type name and the private fields (no comment).</summary>
    public static void Write(ref SshWriter w, SshPrivateKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        switch (key)
        {
            case Ed25519PrivateKey ed:
            {
                var pk = ((Ed25519PublicKey)ed.PublicKey).Key;
                Span<byte> sk = stackalloc byte[64];
                ed.Seed.CopyTo(sk);
                pk.CopyTo(sk[32..]);
                w.WriteString(Ed25519PublicKey.TypeName);
                w.WriteString(pk);
                w.WriteString(sk);
                CryptographicOperations.ZeroMemory(sk);
                break;
            }
            case EcdsaPrivateKey ec:
            {
                var pub = (EcdsaPublicKey)ec.PublicKey;
                byte[] d = ec.ExportPrivateScalar();
                try
                {
                    w.WriteString(pub.KeyType);
                    w.WriteString(pub.CurveName);
                    w.WriteString(pub.Q);
                    w.WriteMpint(d);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(d);
                }
                break;
            }
            case RsaPrivateKey rsa:
            {
                var p = rsa.Rsa.ExportParameters(true);
                try
                {
                    w.WriteString(RsaPublicKey.TypeName);
                    w.WriteMpint(p.Modulus);
                    w.WriteMpint(p.Exponent);
                    w.WriteMpint(p.D);
                    w.WriteMpint(p.InverseQ);
                    w.WriteMpint(p.P);
                    w.WriteMpint(p.Q);
                }
                finally
                {
                    RsaParts.Zero(p);
                }
                break;
            }
            default:
                throw new SshKeyFormatException($"cannot serialise a {key.PublicKey.KeyType} private key");
        }
    }
}

/// <summary>Builds BCL RSA parameters from the parts SSH formats carry (no dP/dQ).</summary>
internal static class RsaParts
{
    public static RsaPrivateKey ToPrivateKey(ReadOnlySpan<byte> n, ReadOnlySpan<byte> e, ReadOnlySpan<byte> d,
        ReadOnlySpan<byte> iqmp, ReadOnlySpan<byte> p, ReadOnlySpan<byte> q)
    {
        // Checks the modulus size and shape before the BCL sees it.
        _ = new RsaPublicKey(e, n);
        var bd = new BigInteger(d, isUnsigned: true, isBigEndian: true);
        var bp = new BigInteger(p, isUnsigned: true, isBigEndian: true);
        var bq = new BigInteger(q, isUnsigned: true, isBigEndian: true);
        if (bp <= BigInteger.One || bq <= BigInteger.One) throw new SshKeyFormatException("invalid RSA private key");
        var dp = BigInteger.Remainder(bd, bp - 1);
        var dq = BigInteger.Remainder(bd, bq - 1);
        return FromParts(n, e, d, p, q, dp.ToByteArray(true, true), dq.ToByteArray(true, true), iqmp);
    }

    /// <summary>Pads every part to the lengths the BCL expects and imports the key.</summary>
    public static RsaPrivateKey FromParts(ReadOnlySpan<byte> n, ReadOnlySpan<byte> e, ReadOnlySpan<byte> d,
        ReadOnlySpan<byte> p, ReadOnlySpan<byte> q, ReadOnlySpan<byte> dp, ReadOnlySpan<byte> dq, ReadOnlySpan<byte> iqmp)
    {
        n = Trim(n);
        int nLen = n.Length;
        int half = (nLen + 1) / 2;
        var parameters = new RSAParameters
        {
            Modulus = n.ToArray(),
            Exponent = Trim(e).ToArray(),
            D = Pad(d, nLen),
            P = Pad(p, half),
            Q = Pad(q, half),
            DP = Pad(dp, half),
            DQ = Pad(dq, half),
            InverseQ = Pad(iqmp, half),
        };
        try
        {
            var key = RsaPrivateKey.FromParameters(parameters);
            // FromParameters accepts inconsistent CRT parts; a sign/verify round proves them.
            byte[] probe = "hop rsa key check"u8.ToArray();
            byte[] sig = key.Rsa.SignData(probe, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            if (!key.Rsa.VerifyData(probe, sig, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            {
                key.Dispose();
                throw new SshKeyFormatException("invalid RSA private key");
            }
            return key;
        }
        catch (CryptographicException ex)
        {
            throw new SshKeyFormatException("invalid RSA private key", ex);
        }
        finally
        {
            Zero(parameters);
        }
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> v)
    {
        while (v.Length > 1 && v[0] == 0) v = v[1..];
        return v;
    }

    private static byte[] Pad(ReadOnlySpan<byte> v, int length)
    {
        v = Trim(v);
        if (v.Length > length) throw new SshKeyFormatException("invalid RSA private key");
        var a = new byte[length];
        v.CopyTo(a.AsSpan(length - v.Length));
        return a;
    }

    public static void Zero(RSAParameters p)
    {
        CryptographicOperations.ZeroMemory(p.D);
        CryptographicOperations.ZeroMemory(p.P);
        CryptographicOperations.ZeroMemory(p.Q);
        CryptographicOperations.ZeroMemory(p.DP);
        CryptographicOperations.ZeroMemory(p.DQ);
        CryptographicOperations.ZeroMemory(p.InverseQ);
    }
}
