using System.Security.Cryptography;

namespace Hop.Ssh.Crypto;

/// <summary>
/// One host key (signature) algorithm: the name negotiated in server_host_key_algorithms and the
/// key type whose blob the server sends (RFC 4253 §6.6, RFC 5656, RFC 8332, RFC 8709).
/// </summary>
public sealed class HostKeyAlgorithm
{
    internal HostKeyAlgorithm(string name, string keyType, HashAlgorithmName hash, bool insecure)
    {
        Name = name;
        KeyType = keyType;
        Hash = hash;
        IsInsecure = insecure;
    }

    /// <summary>The signature algorithm name ("rsa-sha2-512").</summary>
    public string Name { get; }

    /// <summary>The key type of the blob ("ssh-rsa").</summary>
    public string KeyType { get; }

    /// <summary>The hash the signature uses (Ed25519: SHA-512, inside the scheme).</summary>
    public HashAlgorithmName Hash { get; }

    /// <summary>Weak (SHA-1): only used when the user names it explicitly.</summary>
    public bool IsInsecure { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>The host key algorithm table, and OpenSSH 10's default order.</summary>
public static class HostKeyAlgorithms
{
    public static readonly HostKeyAlgorithm Ed25519 = new("ssh-ed25519", "ssh-ed25519", HashAlgorithmName.SHA512, false);
    public static readonly HostKeyAlgorithm EcdsaNistP256 = new("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256", HashAlgorithmName.SHA256, false);
    public static readonly HostKeyAlgorithm EcdsaNistP384 = new("ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384", HashAlgorithmName.SHA384, false);
    public static readonly HostKeyAlgorithm EcdsaNistP521 = new("ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521", HashAlgorithmName.SHA512, false);
    public static readonly HostKeyAlgorithm RsaSha512 = new("rsa-sha2-512", "ssh-rsa", HashAlgorithmName.SHA512, false);
    public static readonly HostKeyAlgorithm RsaSha256 = new("rsa-sha2-256", "ssh-rsa", HashAlgorithmName.SHA256, false);
    public static readonly HostKeyAlgorithm InsecureSshRsa = new("ssh-rsa", "ssh-rsa", HashAlgorithmName.SHA1, true);

    /// <summary>The OpenSSH certificate forms (PROTOCOL.certkeys): "X-cert-v01@openssh.com" signs as X does.</summary>
    private static HostKeyAlgorithm Certificate(HostKeyAlgorithm plain) =>
        new(plain.Name + CertificateSuffix, plain.KeyType + CertificateSuffix, plain.Hash, plain.IsInsecure);

    private const string CertificateSuffix = "-cert-v01@openssh.com";

    /// <summary>The certificate algorithms, in the order of <see cref="Default"/> (then the insecure ssh-rsa form).</summary>
    public static IReadOnlyList<HostKeyAlgorithm> Certificates { get; } =
        [.. new[] { Ed25519, EcdsaNistP256, EcdsaNistP384, EcdsaNistP521, RsaSha512, RsaSha256, InsecureSshRsa }.Select(Certificate)];

    /// <summary>Every supported algorithm, for ssh -Q key / sig.</summary>
    public static IReadOnlyList<HostKeyAlgorithm> Supported { get; } =
        [Ed25519, EcdsaNistP256, EcdsaNistP384, EcdsaNistP521, RsaSha512, RsaSha256, InsecureSshRsa, .. Certificates];

    /// <summary>Names of every supported algorithm.</summary>
    public static IReadOnlyList<string> SupportedNames { get; } = Supported.Select(a => a.Name).ToArray();

    /// <summary>The key types behind the supported algorithms, for ssh -Q key.</summary>
    public static IReadOnlyList<string> SupportedKeyTypes { get; } = Supported.Select(a => a.KeyType).Distinct().ToArray();

    /// <summary>The default preference list (OpenSSH 10's, without certificates and without ssh-rsa).</summary>
    public static IReadOnlyList<string> Default { get; } =
        [Ed25519.Name, EcdsaNistP256.Name, EcdsaNistP384.Name, EcdsaNistP521.Name, RsaSha512.Name, RsaSha256.Name];

    /// <summary>
    /// The certificate forms of <see cref="Default"/>: offered first for host keys when a known_hosts
    /// @cert-authority line could match the host, and first in PubkeyAcceptedAlgorithms, as OpenSSH orders them.
    /// </summary>
    public static IReadOnlyList<string> CertificateDefault { get; } = Default.Select(n => n + CertificateSuffix).ToArray();

    /// <summary>OpenSSH's order for PubkeyAcceptedAlgorithms: certificate forms first, then the plain algorithms.</summary>
    public static IReadOnlyList<string> DefaultWithCertificates { get; } = [.. CertificateDefault, .. Default];

    /// <summary>The algorithm of that name, or null.</summary>
    public static HostKeyAlgorithm? Find(string name) => Supported.FirstOrDefault(a => a.Name == name);

    /// <summary>The algorithm of that name; throws <see cref="SshException"/> when unknown.</summary>
    public static HostKeyAlgorithm Get(string name) => Find(name) ?? throw new SshException($"unsupported host key algorithm \"{name}\"");

}
