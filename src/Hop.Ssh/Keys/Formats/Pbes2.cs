using System.Formats.Asn1;
using System.Security.Cryptography;

namespace Hop.Ssh.Keys.Formats;

/// <summary>
/// PBES2 decryption of a PKCS#8 EncryptedPrivateKeyInfo (RFC 8018 §6.2, A.2, A.4, B.2):
/// <code>
/// EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier { id-PBES2, PBES2-params }, OCTET STRING }
/// PBES2-params ::= SEQUENCE { keyDerivationFunc { id-PBKDF2, PBKDF2-params }, encryptionScheme { oid, OCTET STRING iv } }
/// PBKDF2-params ::= SEQUENCE { salt OCTET STRING, iterationCount INTEGER, keyLength INTEGER OPTIONAL,
///                              prf AlgorithmIdentifier DEFAULT hmacWithSHA1 }
/// </code>
/// PBKDF2 and the ciphers come from the BCL. Used for keys the BCL's typed importers do not take (Ed25519).
/// </summary>
internal static class Pbes2
{
    public const string Pbes2Oid = "1.2.840.113549.1.5.13";
    public const string Pbkdf2Oid = "1.2.840.113549.1.5.12";

    /// <summary>True when <paramref name="der"/> is PBES2 with PBKDF2; returns the iteration count.</summary>
    public static bool TryReadIterations(byte[] der, out long iterations)
    {
        iterations = 0;
        try
        {
            var (_, iter, _, _, _, _) = ReadParameters(der);
            iterations = iter;
            return true;
        }
        catch (Exception e) when (e is AsnContentException or SshKeyFormatException)
        {
            return false;
        }
    }

    private static (byte[] Salt, long Iterations, HashAlgorithmName Prf, string Cipher, byte[] Iv, byte[] Data) ReadParameters(byte[] der)
    {
        var r = new AsnReader(der, AsnEncodingRules.DER);
        var info = r.ReadSequence();
        r.ThrowIfNotEmpty();
        var alg = info.ReadSequence();
        if (alg.ReadObjectIdentifier() != Pbes2Oid) throw new SshKeyFormatException("not PBES2");
        byte[] data = info.ReadOctetString();
        info.ThrowIfNotEmpty();
        var pbes2 = alg.ReadSequence();
        var kdf = pbes2.ReadSequence();
        if (kdf.ReadObjectIdentifier() != Pbkdf2Oid) throw new SshKeyFormatException("not PBKDF2");
        var p = kdf.ReadSequence();
        byte[] salt = p.ReadOctetString();
        if (!p.TryReadInt64(out long iterations) || iterations < 1) throw new SshKeyFormatException("invalid PBKDF2 iteration count");
        if (p.HasData && p.PeekTag().HasSameClassAndValue(Asn1Tag.Integer)) p.ReadInteger();
        var prf = HashAlgorithmName.SHA1;
        if (p.HasData)
        {
            var prfAlg = p.ReadSequence();
            prf = prfAlg.ReadObjectIdentifier() switch
            {
                "1.2.840.113549.2.7" => HashAlgorithmName.SHA1,
                "1.2.840.113549.2.9" => HashAlgorithmName.SHA256,
                "1.2.840.113549.2.10" => HashAlgorithmName.SHA384,
                "1.2.840.113549.2.11" => HashAlgorithmName.SHA512,
                var o => throw new SshKeyFormatException($"unsupported PBKDF2 PRF {o}"),
            };
        }
        var enc = pbes2.ReadSequence();
        string cipher = enc.ReadObjectIdentifier();
        byte[] iv = enc.ReadOctetString();
        return (salt, iterations, prf, cipher, iv, data);
    }

    /// <summary>Decrypts to the PrivateKeyInfo DER; a wrong passphrase gives <see cref="SshPassphraseException"/>.</summary>
    public static byte[] Decrypt(byte[] der, ReadOnlySpan<byte> passphrase, long maxIterations)
    {
        (byte[] salt, long iterations, HashAlgorithmName prf, string cipherOid, byte[] iv, byte[] data) parameters;
        try
        {
            parameters = ReadParameters(der);
        }
        catch (AsnContentException e)
        {
            throw new SshKeyFormatException("invalid format (" + e.Message.TrimEnd('.') + ")", e);
        }
        var (salt, iterations, prf, cipherOid, iv, data) = parameters;
        if (iterations > maxIterations) throw new SshKeyFormatException($"invalid format (PBKDF2 iteration count {iterations})");
        (int keyLength, bool des) = cipherOid switch
        {
            "2.16.840.1.101.3.4.1.2" => (16, false),
            "2.16.840.1.101.3.4.1.22" => (24, false),
            "2.16.840.1.101.3.4.1.42" => (32, false),
            "1.2.840.113549.3.7" => (24, true),
            _ => throw new SshKeyFormatException($"unsupported PBES2 cipher {cipherOid}"),
        };
        if (iv.Length != (des ? 8 : 16) || data.Length == 0 || data.Length % (des ? 8 : 16) != 0)
            throw new SshKeyFormatException("invalid format (PBES2 IV or data length)");
        byte[] key = Rfc2898DeriveBytes.Pbkdf2(passphrase, salt, (int)iterations, prf, keyLength);
        try
        {
            using SymmetricAlgorithm c = des ? TripleDES.Create() : Aes.Create();
            c.Key = key;
            return c.DecryptCbc(data, iv, PaddingMode.PKCS7);
        }
        catch (CryptographicException e)
        {
            throw new SshPassphraseException(PrivateKeyFile.IncorrectPassphrase, e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
