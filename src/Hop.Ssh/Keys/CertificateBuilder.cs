using System.Security.Cryptography;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Keys;

/// <summary>
/// The fields of a certificate to be signed, and the signing (what ssh-keygen -s does). The layout is
/// <see cref="SshCertificate"/>'s; the nonce is 32 random bytes and the reserved field empty.
/// </summary>
public sealed class CertificateBuilder
{
    /// <summary>The key to certify (a plain key; a certificate is certified through its key).</summary>
    public required SshPublicKey Key { get; init; }
    public SshCertificateType Type { get; init; } = SshCertificateType.User;
    public string KeyId { get; init; } = "";
    public ulong Serial { get; init; }
    public IReadOnlyList<string> ValidPrincipals { get; init; } = [];
    public ulong ValidAfter { get; init; }
    public ulong ValidBefore { get; init; } = SshCertificate.Forever;
    public IReadOnlyList<CertificateOption> CriticalOptions { get; init; } = [];
    public IReadOnlyList<CertificateOption> Extensions { get; init; } = [];

    /// <summary>
    /// Signs the certificate with the CA key. <paramref name="signatureAlgorithm"/> defaults to the CA's first
    /// algorithm (rsa-sha2-512 for RSA, as ssh-keygen).
    /// </summary>
    public SshCertificate Sign(SshPrivateKey ca, string? signatureAlgorithm = null)
    {
        ArgumentNullException.ThrowIfNull(ca);
        if (ca.PublicKey is SshCertificate) throw new SshKeyFormatException("a certificate cannot be used as a CA key");
        var plain = Key.PlainKey;
        if (ValidBefore <= ValidAfter) throw new SshKeyFormatException("Empty certificate validity interval");
        Span<byte> nonce = stackalloc byte[32];
        RandomNumberGenerator.Fill(nonce);
        using var b = new SshBuffer(1024);
        var w = b.Writer;
        w.WriteString(plain.KeyType + SshCertificate.Suffix);
        w.WriteString(nonce);
        w.WriteRaw(KeyFields(plain));
        w.WriteUInt64(Serial);
        w.WriteUInt32((uint)Type);
        w.WriteString(KeyId);
        using (var p = new SshBuffer())
        {
            var pw = p.Writer;
            foreach (string principal in ValidPrincipals) pw.WriteString(principal);
            w.WriteString(p.WrittenSpan);
        }
        w.WriteUInt64(ValidAfter);
        w.WriteUInt64(ValidBefore);
        CertificateOption.WriteList(ref w, CriticalOptions);
        CertificateOption.WriteList(ref w, Extensions);
        w.WriteString(ReadOnlySpan<byte>.Empty);
        w.WriteString(ca.PublicKey.Blob);
        byte[] signature = ca.Sign(b.WrittenSpan, signatureAlgorithm);
        w.WriteString(signature);
        return (SshCertificate)SshPublicKey.FromBlob(b.WrittenSpan);
    }

    /// <summary>The key's blob without its leading type name: the fields a certificate embeds.</summary>
    private static ReadOnlySpan<byte> KeyFields(SshPublicKey key)
    {
        var r = new SshReader(key.Blob);
        r.ReadName();
        return r.RemainingSpan;
    }
}
