namespace Hop.Ssh.Keys;

/// <summary>
/// Whether a certificate may be used: the CA's signature, the certificate type, the validity window
/// (valid after &lt;= now &lt; valid before), the principal, no critical option the checker does not
/// understand, and a CA signature algorithm on the allowed list (CASignatureAlgorithms). The reasons are OpenSSH's.
/// </summary>
public static class CertificateValidation
{
    /// <summary>The critical options a user certificate may carry (PROTOCOL.certkeys, and verify-required).</summary>
    public static IReadOnlyList<string> UserCriticalOptions { get; } =
        [CertificateOption.ForceCommand, CertificateOption.SourceAddress, CertificateOption.VerifyRequired];

    /// <summary>OpenSSH's default CASignatureAlgorithms: every signature algorithm but ssh-rsa (SHA-1) and ssh-dss.</summary>
    public static IReadOnlyList<string> DefaultCaSignatureAlgorithms { get; } =
    [
        "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com", "rsa-sha2-512", "rsa-sha2-256",
    ];

    /// <summary>
    /// Checks <paramref name="certificate"/>; returns null when it is good, else the reason it is refused.
    /// </summary>
    /// <param name="certificate">The certificate.</param>
    /// <param name="expectedType">User for authentication, Host for a server's host key.</param>
    /// <param name="principal">The user or host name that must be listed, or null to skip the check.</param>
    /// <param name="now">The time to check the validity window against.</param>
    /// <param name="knownCriticalOptions">Critical options understood; others refuse the certificate. Defaults to
    /// <see cref="UserCriticalOptions"/> for user certificates and none for host certificates.</param>
    /// <param name="caSignatureAlgorithms">The signature algorithms the CA may have used (names, patterns already
    /// expanded); null for <see cref="DefaultCaSignatureAlgorithms"/>.</param>
    /// <param name="requirePrincipal">Refuse a certificate without principals (valid for anyone) when a principal is
    /// checked: OpenSSH requires them for host certificates and for TrustedUserCAKeys.</param>
    public static string? Check(SshCertificate certificate, SshCertificateType expectedType, string? principal, DateTimeOffset now,
        IReadOnlyCollection<string>? knownCriticalOptions = null, IReadOnlyList<string>? caSignatureAlgorithms = null,
        bool requirePrincipal = true)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (!certificate.VerifySignature()) return "Certificate invalid: CA signature verification failed";
        if (certificate.Type != expectedType)
            return expectedType == SshCertificateType.User ? "Certificate invalid: not a user certificate" : "Certificate invalid: not a host certificate";
        long t = now.ToUnixTimeSeconds();
        ulong seconds = t < 0 ? 0 : (ulong)t;
        if (seconds < certificate.ValidAfter) return "Certificate invalid: not yet valid";
        if (seconds >= certificate.ValidBefore) return "Certificate invalid: expired";
        if (principal is not null)
        {
            if (certificate.ValidPrincipals.Count == 0)
            {
                if (requirePrincipal) return "Certificate lacks principal list";
            }
            else if (!certificate.ValidPrincipals.Contains(principal, StringComparer.Ordinal))
            {
                return "Certificate invalid: name is not a listed principal";
            }
        }
        // Host certificates may carry no critical option at all; OpenSSH (sshkey_cert_check_host) says so without naming one.
        if (expectedType == SshCertificateType.Host && knownCriticalOptions is null && certificate.CriticalOptions.Count > 0)
            return "Certificate contains unsupported critical options";
        var known = knownCriticalOptions ?? UserCriticalOptions;
        foreach (var option in certificate.CriticalOptions)
        {
            if (!known.Contains(option.Name)) return $"Certificate invalid: unsupported critical option \"{option.Name}\"";
        }
        // Last, as sshkey_cert_check_host checks it.
        if (!(caSignatureAlgorithms ?? DefaultCaSignatureAlgorithms).Contains(certificate.SignatureAlgorithm))
            return "Certificate signed with disallowed algorithm";
        return null;
    }
}
