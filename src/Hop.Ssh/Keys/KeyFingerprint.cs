using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;

namespace Hop.Ssh.Keys;

/// <summary>Key fingerprints as ssh-keygen -l prints them.</summary>
public static class KeyFingerprint
{
    public static string Format(ReadOnlySpan<byte> blob, HashAlgorithmName hash)
    {
        byte[] d = Digest(blob, hash);
        if (hash == HashAlgorithmName.MD5)
            return "MD5:" + string.Join(':', d.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        return hash.Name + ":" + Convert.ToBase64String(d).TrimEnd('=');
    }

    /// <summary>
    /// The digest of a key blob under the named hash (MD5, SHA1, SHA256, SHA384, SHA512). BouncyCastle's
    /// digests, not the BCL's: on Linux those are OpenSSL's, and loading and initialising OpenSSL for one
    /// hash of public data was a third of `hop keygen`'s and `hop keygen -l`'s time.
    /// </summary>
    public static byte[] Digest(ReadOnlySpan<byte> blob, HashAlgorithmName hash)
    {
        IDigest digest = hash == HashAlgorithmName.MD5 ? new MD5Digest()
            : hash == HashAlgorithmName.SHA512 ? new Sha512Digest()
            : hash == HashAlgorithmName.SHA384 ? new Sha384Digest()
            : hash == HashAlgorithmName.SHA1 ? new Sha1Digest()
            : new Sha256Digest();
        digest.BlockUpdate(blob);
        var result = new byte[digest.GetDigestSize()];
        digest.DoFinal(result);
        return result;
    }

    /// <summary>The short type name ssh-keygen prints ("ED25519", "ECDSA", "RSA").</summary>
    public static string TypeLabel(SshPublicKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return TypeLabel(key.KeyType);
    }

    /// <summary>The short label of a key type name ("ED25519", "RSA", "ECDSA"), as OpenSSH prints it.</summary>
    public static string TypeLabel(string keyType) => keyType switch
    {
        "ssh-ed25519" => "ED25519",
        "ssh-rsa" => "RSA",
        "ssh-dss" => "DSA",
        var t when t.EndsWith(SshCertificate.Suffix, StringComparison.Ordinal) => TypeLabel(SshCertificate.PlainType(t)) + "-CERT",
        var t when t.StartsWith("ecdsa-sha2-", StringComparison.Ordinal) => "ECDSA",
        var t => t,
    };
}
