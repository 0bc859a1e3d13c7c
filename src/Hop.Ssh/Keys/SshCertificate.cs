using Hop.Ssh.Wire;

namespace Hop.Ssh.Keys;

/// <summary>What a certificate certifies: SSH_CERT_TYPE_USER (1) or SSH_CERT_TYPE_HOST (2).</summary>
public enum SshCertificateType : uint
{
    User = 1,
    Host = 2,
}

/// <summary>
/// An OpenSSH certificate (PROTOCOL.certkeys): a public key with identity and usage fields, signed by a CA key.
/// It is a public key in its own right, so it travels where keys do (publickey auth, host keys, *-cert.pub files).
/// <code>
/// string    "ssh-ed25519-cert-v01@openssh.com" | "ecdsa-sha2-nistp*-cert-v01@openssh.com" | "ssh-rsa-cert-v01@openssh.com"
/// string    nonce
/// ....      the key's fields (ed25519: string pk; ecdsa: string curve, string Q; rsa: mpint e, mpint n)
/// uint64    serial
/// uint32    type
/// string    key id
/// string    valid principals    (strings packed inside)
/// uint64    valid after
/// uint64    valid before
/// string    critical options    (string name, string data)*
/// string    extensions          (string name, string data)*
/// string    reserved
/// string    signature key       (the CA's public key blob)
/// string    signature           (over every byte before it)
/// </code>
/// </summary>
public sealed class SshCertificate : SshPublicKey
{
    /// <summary>The suffix of every certificate key type and algorithm name.</summary>
    public const string Suffix = "-cert-v01@openssh.com";

    /// <summary>valid_before of a certificate that never expires.</summary>
    public const ulong Forever = ulong.MaxValue;

    private const int MaxField = 64 * 1024;
    private readonly byte[] _blob;

    private SshCertificate(byte[] blob, string type, SshPublicKey key)
    {
        _blob = blob;
        KeyType = type;
        Key = key;
    }

    /// <summary>The certificate type name ("ssh-ed25519-cert-v01@openssh.com").</summary>
    public override string KeyType { get; }

    /// <summary>The certified (plain) key.</summary>
    public SshPublicKey Key { get; }

    public ReadOnlyMemory<byte> Nonce { get; private set; }
    public ulong Serial { get; private set; }
    public SshCertificateType Type { get; private set; }
    public string KeyId { get; private set; } = "";
    public IReadOnlyList<string> ValidPrincipals { get; private set; } = [];
    public ulong ValidAfter { get; private set; }
    public ulong ValidBefore { get; private set; }
    public IReadOnlyList<CertificateOption> CriticalOptions { get; private set; } = [];
    public IReadOnlyList<CertificateOption> Extensions { get; private set; } = [];
    public ReadOnlyMemory<byte> Reserved { get; private set; }

    /// <summary>The CA key that signed the certificate.</summary>
    public SshPublicKey SignatureKey { get; private set; } = null!;

    /// <summary>The CA's signature blob (string algorithm, string signature).</summary>
    public ReadOnlyMemory<byte> Signature { get; private set; }

    /// <summary>The algorithm of the CA's signature ("ssh-ed25519", "rsa-sha2-512", ...).</summary>
    public string SignatureAlgorithm { get; private set; } = "";

    /// <summary>The number of leading blob bytes the CA signed (everything before the signature field).</summary>
    internal int SignedLength { get; private set; }

    /// <summary>A certificate signs as its key does: same signature blobs ("ssh-ed25519", "rsa-sha2-512").</summary>
    public override IReadOnlyList<string> SignatureAlgorithms => Key.SignatureAlgorithms;

    public override int KeySizeBits => Key.KeySizeBits;

    /// <summary>The certified key: OpenSSH fingerprints a certificate by it.</summary>
    public override SshPublicKey PlainKey => Key;

    public override void WriteBlob(ref SshWriter writer) => writer.WriteRaw(_blob);

    /// <summary>The key type of the certified key, from a certificate type ("ssh-rsa-cert-v01@openssh.com" → "ssh-rsa").</summary>
    public static string PlainType(string certificateType)
    {
        ArgumentNullException.ThrowIfNull(certificateType);
        return certificateType.EndsWith(Suffix, StringComparison.Ordinal) ? certificateType[..^Suffix.Length] : certificateType;
    }

    /// <summary>Whether a key type or algorithm name is a certificate's.</summary>
    public static bool IsCertificateName(string name) => name is not null && name.EndsWith(Suffix, StringComparison.Ordinal);

    /// <summary>
    /// The publickey / host key algorithm name for this certificate signing with <paramref name="signatureAlgorithm"/>:
    /// "rsa-sha2-512" → "rsa-sha2-512-cert-v01@openssh.com", "ssh-ed25519" → "ssh-ed25519-cert-v01@openssh.com".
    /// </summary>
    public static string AlgorithmFor(string signatureAlgorithm) => signatureAlgorithm + Suffix;

    /// <summary>
    /// The signature blob algorithm behind a certificate algorithm name ("rsa-sha2-256-cert-v01@openssh.com" →
    /// "rsa-sha2-256"); other names are returned as they are.
    /// </summary>
    public static string SignatureAlgorithmOf(string algorithm) => PlainType(algorithm);

    protected override bool VerifyRaw(string algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        using var b = new SshBuffer(signature.Length + 64);
        var w = b.Writer;
        w.WriteString(algorithm);
        w.WriteString(signature);
        return Key.Verify(data, b.WrittenSpan, algorithm);
    }

    /// <summary>
    /// Checks the CA's signature over the certificate, whatever algorithm it names: which algorithms are
    /// acceptable is the caller's policy (CASignatureAlgorithms, <see cref="CertificateValidation"/>).
    /// </summary>
    public bool VerifySignature()
    {
        return SignatureKey.Verify(_blob.AsSpan(0, SignedLength), Signature.Span, SignatureAlgorithm);
    }

    /// <summary>Reads a certificate after its type name (called by <see cref="SshPublicKey.FromBlob"/>).</summary>
    internal static SshCertificate ReadBody(string type, ref SshReader r, ReadOnlySpan<byte> blob)
    {
        string plain = PlainType(type);
        var nonce = r.ReadString(MaxField).ToArray();
        SshPublicKey key = plain switch
        {
            Ed25519PublicKey.TypeName => Ed25519PublicKey.ReadBody(ref r),
            RsaPublicKey.TypeName => RsaPublicKey.ReadBody(ref r),
            _ when plain.StartsWith("ecdsa-sha2-", StringComparison.Ordinal) => EcdsaPublicKey.ReadBody(plain, ref r),
            _ => throw new SshKeyFormatException($"unsupported certificate type {type}"),
        };
        var cert = new SshCertificate(blob.ToArray(), type, key) { Nonce = nonce };
        cert.Serial = r.ReadUInt64();
        uint certType = r.ReadUInt32();
        if (certType is not (1 or 2)) throw new SshKeyFormatException($"unknown certificate type {certType}");
        cert.Type = (SshCertificateType)certType;
        cert.KeyId = r.ReadUtf8(MaxField);
        cert.ValidPrincipals = ReadPrincipals(r.ReadString(MaxField));
        cert.ValidAfter = r.ReadUInt64();
        cert.ValidBefore = r.ReadUInt64();
        cert.CriticalOptions = CertificateOption.ReadList(r.ReadString(MaxField), "critical option");
        cert.Extensions = CertificateOption.ReadList(r.ReadString(MaxField), "extension");
        cert.Reserved = r.ReadString(MaxField).ToArray();
        var caBlob = r.ReadString(MaxField);
        var ca = PublicKeyBlob.Parse(caBlob);
        if (ca is SshCertificate) throw new SshKeyFormatException("certificate signed by a certificate (chained certificates are not supported)");
        cert.SignatureKey = ca;
        cert.SignedLength = r.Position;
        cert.Signature = r.ReadString(16 * 1024).ToArray();
        var sr = new SshReader(cert.Signature.Span);
        cert.SignatureAlgorithm = sr.ReadName();
        return cert;
    }

    private static string[] ReadPrincipals(ReadOnlySpan<byte> packed)
    {
        var list = new List<string>();
        var r = new SshReader(packed);
        while (!r.IsAtEnd) list.Add(r.ReadUtf8(MaxField));
        return [.. list];
    }

    /// <summary>"forever", "from X to Y", "after X" or "before Y", in local time, as ssh-keygen prints a validity interval.</summary>
    public string FormatValidity() => FormatValidity(ValidAfter, ValidBefore);

    /// <inheritdoc cref="FormatValidity()"/>
    public static string FormatValidity(ulong after, ulong before)
    {
        if (after == 0 && before == Forever) return "forever";
        if (after == 0) return "before " + FormatTime(before);
        if (before == Forever) return "after " + FormatTime(after);
        return $"from {FormatTime(after)} to {FormatTime(before)}";
    }

    /// <summary>A certificate time as ssh-keygen prints it: local "YYYY-MM-DDTHH:MM:SS".</summary>
    public static string FormatTime(ulong seconds)
    {
        const long max = 253402300799; // 9999-12-31T23:59:59Z
        long s = seconds > max ? max : (long)seconds;
        var local = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(s), TimeZoneInfo.Local);
        return local.ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
    }
}
