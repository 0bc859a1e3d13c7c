using System.Security.Cryptography;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Keys;

/// <summary>
/// A public key as SSH sends it (RFC 4253 §6.6): a type name and a blob. Subclasses verify
/// signatures for the algorithms their key type supports.
/// </summary>
public abstract class SshPublicKey : IEquatable<SshPublicKey>
{
    private byte[]? _blob;

    /// <summary>The key type name, as the first string of the blob ("ssh-ed25519", "ssh-rsa", ...).</summary>
    public abstract string KeyType { get; }

    /// <summary>The signature algorithms this key can verify, most preferred first.</summary>
    public abstract IReadOnlyList<string> SignatureAlgorithms { get; }

    /// <summary>Size of the key in bits, as ssh-keygen -l reports it.</summary>
    public abstract int KeySizeBits { get; }

    /// <summary>Writes the whole public key blob (type name included).</summary>
    public abstract void WriteBlob(ref SshWriter writer);

    /// <summary>Checks a signature blob (string algorithm, string signature) over <paramref name="data"/>.</summary>
    /// <returns>false on a wrong signature or an algorithm this key does not use; never throws for bad signatures.</returns>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signatureBlob, string? requiredAlgorithm = null)
    {
        try
        {
            var r = new SshReader(signatureBlob);
            string alg = r.ReadName();
            var sig = r.ReadString(16 * 1024);
            r.EnsureEnd();
            // A certificate algorithm ("rsa-sha2-512-cert-v01@openssh.com") signs with its plain algorithm.
            if (requiredAlgorithm is not null && alg != SshCertificate.SignatureAlgorithmOf(requiredAlgorithm)) return false;
            if (!SignatureAlgorithms.Contains(alg)) return false;
            return VerifyRaw(alg, data, sig);
        }
        catch (SshProtocolException)
        {
            return false;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>Checks the inner signature bytes for the named algorithm.</summary>
    protected abstract bool VerifyRaw(string algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature);

    /// <summary>The wire blob of this key.</summary>
    public ReadOnlySpan<byte> Blob => _blob ??= BuildBlob();

    private byte[] BuildBlob()
    {
        using var buffer = new SshBuffer();
        var w = buffer.Writer;
        WriteBlob(ref w);
        return buffer.ToArray();
    }

    /// <summary>"SHA256:base64" (no padding) as ssh-keygen -l prints by default; of <see cref="PlainKey"/>.</summary>
    public string Fingerprint(HashAlgorithmName? hash = null) => KeyFingerprint.Format(PlainKey.Blob, hash ?? HashAlgorithmName.SHA256);

    /// <summary>
    /// The key itself, or for a certificate the key it certifies: what OpenSSH fingerprints, and what
    /// revocation lists and key size limits look at.
    /// </summary>
    public virtual SshPublicKey PlainKey => this;

    /// <summary>The one-line OpenSSH public key ("type base64 [comment]").</summary>
    public string ToOpenSshLine(string? comment = null) =>
        string.IsNullOrEmpty(comment) ? $"{KeyType} {Convert.ToBase64String(Blob)}" : $"{KeyType} {Convert.ToBase64String(Blob)} {comment}";

    /// <summary>Parses a public key blob; throws <see cref="SshKeyFormatException"/> for unknown or malformed keys.</summary>
    public static SshPublicKey FromBlob(ReadOnlySpan<byte> blob) => PublicKeyBlob.Parse(blob);

    public bool Equals(SshPublicKey? other) => other is not null && Blob.SequenceEqual(other.Blob);
    public override bool Equals(object? obj) => obj is SshPublicKey k && Equals(k);
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.AddBytes(Blob);
        return h.ToHashCode();
    }

    public override string ToString() => $"{KeyType} {Fingerprint()}";
}
