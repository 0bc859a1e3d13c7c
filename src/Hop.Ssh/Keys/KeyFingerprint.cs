using System.Security.Cryptography;

namespace Hop.Ssh.Keys;

/// <summary>Key fingerprints as ssh-keygen -l prints them.</summary>
public static class KeyFingerprint
{
    public static string Format(ReadOnlySpan<byte> blob, HashAlgorithmName hash)
    {
        if (hash == HashAlgorithmName.MD5)
        {
            byte[] d = MD5.HashData(blob);
            return "MD5:" + string.Join(':', d.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        }
        byte[] digest = hash == HashAlgorithmName.SHA512 ? SHA512.HashData(blob)
            : hash == HashAlgorithmName.SHA384 ? SHA384.HashData(blob)
            : hash == HashAlgorithmName.SHA1 ? SHA1.HashData(blob)
            : SHA256.HashData(blob);
        return hash.Name + ":" + Convert.ToBase64String(digest).TrimEnd('=');
    }
}
