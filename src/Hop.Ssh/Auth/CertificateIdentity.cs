using Hop.Ssh.Keys;

namespace Hop.Ssh.Auth;

/// <summary>
/// A user certificate offered for publickey authentication (PROTOCOL.certkeys): the request names the
/// certificate algorithm ("ssh-ed25519-cert-v01@openssh.com", "rsa-sha2-512-cert-v01@openssh.com") and carries
/// the certificate blob, while the signature is made by the certified key's identity with its plain algorithm.
/// </summary>
public sealed class CertificateIdentity : IUserIdentity
{
    private readonly IUserIdentity _key;

    /// <param name="certificate">The certificate; its key must be <paramref name="key"/>'s public key.</param>
    /// <param name="key">The identity holding the certified key's private half (a file or an agent key).</param>
    /// <param name="source">Where the certificate came from, for -v logs.</param>
    public CertificateIdentity(SshCertificate certificate, IUserIdentity key, string source)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(key);
        if (!certificate.Key.Equals(key.PublicKey.PlainKey))
            throw new SshKeyFormatException($"certificate {source} does not certify the key of {key.Source}");
        Certificate = certificate;
        _key = key;
        Source = source;
    }

    public SshCertificate Certificate { get; }
    public SshPublicKey PublicKey => Certificate;
    public string Source { get; }

    /// <summary>The identity that signs.</summary>
    public IUserIdentity KeyIdentity => _key;

    public ValueTask<byte[]?> SignAsync(ReadOnlyMemory<byte> data, string algorithm, CancellationToken cancellationToken) =>
        _key.SignAsync(data, SshCertificate.SignatureAlgorithmOf(algorithm), cancellationToken);

    public bool CanSignWithoutPrompt => _key.CanSignWithoutPrompt;
}
