using System.Security.Cryptography;

namespace Hop.Ssh.Crypto;

/// <summary>One MAC algorithm's facts (RFC 4253 §6.4, RFC 6668, OpenSSH PROTOCOL §1.7 for -etm).</summary>
public sealed class MacAlgorithm
{
    internal MacAlgorithm(string name, HashAlgorithmName hash, int keySize, int tagLength, bool encryptThenMac, bool insecure)
    {
        Name = name;
        Hash = hash;
        KeySize = keySize;
        TagLength = tagLength;
        IsEncryptThenMac = encryptThenMac;
        IsInsecure = insecure;
    }

    /// <summary>The name as negotiated.</summary>
    public string Name { get; }

    /// <summary>The HMAC's hash.</summary>
    public HashAlgorithmName Hash { get; }

    /// <summary>Bytes of MAC key to derive (letters E/F).</summary>
    public int KeySize { get; }

    /// <summary>Bytes of MAC after each packet.</summary>
    public int TagLength { get; }

    /// <summary>Encrypt-then-MAC: the length stays in clear and the MAC covers the ciphertext.</summary>
    public bool IsEncryptThenMac { get; }

    /// <summary>Weak (SHA-1): only used when the user names it explicitly.</summary>
    public bool IsInsecure { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>The MAC table: every MAC Hop supports, and OpenSSH's default order.</summary>
public static class MacAlgorithms
{
    public static readonly MacAlgorithm HmacSha256Etm = new("hmac-sha2-256-etm@openssh.com", HashAlgorithmName.SHA256, 32, 32, true, false);
    public static readonly MacAlgorithm HmacSha512Etm = new("hmac-sha2-512-etm@openssh.com", HashAlgorithmName.SHA512, 64, 64, true, false);
    public static readonly MacAlgorithm HmacSha256 = new("hmac-sha2-256", HashAlgorithmName.SHA256, 32, 32, false, false);
    public static readonly MacAlgorithm HmacSha512 = new("hmac-sha2-512", HashAlgorithmName.SHA512, 64, 64, false, false);
    public static readonly MacAlgorithm InsecureHmacSha1Etm = new("hmac-sha1-etm@openssh.com", HashAlgorithmName.SHA1, 20, 20, true, true);
    public static readonly MacAlgorithm InsecureHmacSha1 = new("hmac-sha1", HashAlgorithmName.SHA1, 20, 20, false, true);

    /// <summary>Every supported MAC, for ssh -Q mac.</summary>
    public static IReadOnlyList<MacAlgorithm> Supported { get; } =
        [HmacSha256Etm, HmacSha512Etm, InsecureHmacSha1Etm, HmacSha256, HmacSha512, InsecureHmacSha1];

    /// <summary>Names of every supported MAC.</summary>
    public static IReadOnlyList<string> SupportedNames { get; } = Supported.Select(a => a.Name).ToArray();

    /// <summary>The default preference list (OpenSSH 10's, without SHA-1 and UMAC).</summary>
    public static IReadOnlyList<string> Default { get; } =
        [HmacSha256Etm.Name, HmacSha512Etm.Name, HmacSha256.Name, HmacSha512.Name];

    /// <summary>The algorithm of that name, or null.</summary>
    public static MacAlgorithm? Find(string name) => Supported.FirstOrDefault(a => a.Name == name);

    /// <summary>The algorithm of that name; throws <see cref="SshException"/> when unknown.</summary>
    public static MacAlgorithm Get(string name) => Find(name) ?? throw new SshException($"unsupported MAC \"{name}\"");

}
