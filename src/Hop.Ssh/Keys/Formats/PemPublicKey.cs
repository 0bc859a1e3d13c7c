using System.Formats.Asn1;
using System.Security.Cryptography;

namespace Hop.Ssh.Keys.Formats;

/// <summary>
/// Public keys in PEM: "PUBLIC KEY" is an X.509 SubjectPublicKeyInfo (RFC 5280 §4.1; RSA RFC 3279,
/// EC RFC 5480, Ed25519 RFC 8410), "RSA PUBLIC KEY" is PKCS#1 RSAPublicKey (RFC 8017 A.1.1).
/// ssh-keygen -e -m PKCS8 writes the first, -m PEM the second for RSA.
/// </summary>
public static class PemPublicKey
{
    private const string Ed25519Oid = "1.3.101.112";
    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string EcOid = "1.2.840.10045.2.1";

    internal static SshPublicKey Parse(PemBlock block)
    {
        try
        {
            if (block.Label == "RSA PUBLIC KEY")
            {
                using var rsa = RSA.Create();
                rsa.ImportRSAPublicKey(block.Data, out int read);
                if (read != block.Data.Length) throw new SshKeyFormatException("invalid format (trailing bytes after RSA public key)");
                return FromRsa(rsa);
            }
            return FromSubjectPublicKeyInfo(block.Data);
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException or PlatformNotSupportedException)
        {
            throw new SshKeyFormatException("invalid format (" + e.Message.TrimEnd('.') + ")", e);
        }
    }

    /// <summary>Reads a DER SubjectPublicKeyInfo holding an RSA, EC (NIST curve) or Ed25519 key.</summary>
    public static SshPublicKey FromSubjectPublicKeyInfo(ReadOnlySpan<byte> der)
    {
        try
        {
            var outer = new AsnReader(der.ToArray(), AsnEncodingRules.DER);
            var spki = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            var alg = spki.ReadSequence();
            string oid = alg.ReadObjectIdentifier();
            switch (oid)
            {
                case Ed25519Oid:
                {
                    byte[] bits = spki.ReadBitString(out int unused);
                    spki.ThrowIfNotEmpty();
                    if (unused != 0) throw new SshKeyFormatException("invalid format (Ed25519 key bits)");
                    return new Ed25519PublicKey(bits);
                }
                case RsaOid:
                {
                    using var rsa = RSA.Create();
                    rsa.ImportSubjectPublicKeyInfo(der, out _);
                    return FromRsa(rsa);
                }
                case EcOid:
                {
                    using var ec = ECDsa.Create();
                    ec.ImportSubjectPublicKeyInfo(der, out _);
                    return FromEc(ec);
                }
                default:
                    throw new SshKeyFormatException($"unsupported public key algorithm {oid}");
            }
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException or PlatformNotSupportedException)
        {
            throw new SshKeyFormatException("invalid format (" + e.Message.TrimEnd('.') + ")", e);
        }
    }

    internal static RsaPublicKey FromRsa(RSA rsa)
    {
        var p = rsa.ExportParameters(false);
        return new RsaPublicKey(p.Exponent, p.Modulus);
    }

    internal static EcdsaPublicKey FromEc(ECDsa ec)
    {
        var p = ec.ExportParameters(false);
        var curve = EcdsaCurve.ByBclCurve(p.Curve);
        int n = curve.FieldBytes;
        var q = new byte[1 + 2 * n];
        q[0] = 4;
        if (p.Q.X!.Length != n || p.Q.Y!.Length != n) throw new SshKeyFormatException("invalid format (EC point)");
        p.Q.X.CopyTo(q, 1);
        p.Q.Y.CopyTo(q, 1 + n);
        return new EcdsaPublicKey(curve.Name, q);
    }

    /// <summary>Writes a SubjectPublicKeyInfo "PUBLIC KEY" block (ssh-keygen -e -m PKCS8).</summary>
    public static string WriteSubjectPublicKeyInfo(SshPublicKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        byte[] der;
        switch (key)
        {
            case RsaPublicKey r:
            {
                using var rsa = RSA.Create(new RSAParameters { Modulus = r.Modulus.ToArray(), Exponent = r.Exponent.ToArray() });
                der = rsa.ExportSubjectPublicKeyInfo();
                break;
            }
            case EcdsaPublicKey e:
            {
                using var ec = ECDsa.Create(e.Parameters);
                der = ec.ExportSubjectPublicKeyInfo();
                break;
            }
            case Ed25519PublicKey ed:
            {
                var w = new AsnWriter(AsnEncodingRules.DER);
                using (w.PushSequence())
                {
                    using (w.PushSequence()) w.WriteObjectIdentifier(Ed25519Oid);
                    w.WriteBitString(ed.Key);
                }
                der = w.Encode();
                break;
            }
            default:
                throw new SshKeyFormatException($"cannot export a {key.KeyType} key as PKCS8");
        }
        return PemBlock.Write("PUBLIC KEY", der);
    }

    /// <summary>Writes "RSA PUBLIC KEY" (PKCS#1) for RSA, SubjectPublicKeyInfo for others (ssh-keygen -e -m PEM).</summary>
    public static string WritePem(SshPublicKey key)
    {
        if (key is RsaPublicKey r)
        {
            using var rsa = RSA.Create(new RSAParameters { Modulus = r.Modulus.ToArray(), Exponent = r.Exponent.ToArray() });
            return PemBlock.Write("RSA PUBLIC KEY", rsa.ExportRSAPublicKey());
        }
        return WriteSubjectPublicKeyInfo(key);
    }
}
