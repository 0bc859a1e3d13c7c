using Hop.Ssh.Keys;

namespace Hop.Ssh.Config;

/// <summary>What <see cref="HostCertificates.Check"/> decided about a host certificate.</summary>
public enum HostCertificateStatus
{
    /// <summary>A @cert-authority line for the host holds the CA, and the certificate is good for the host now.</summary>
    Trusted,
    /// <summary>The certified key or its CA is marked @revoked: refuse, never fall back.</summary>
    Revoked,
    /// <summary>No @cert-authority line for the host holds the CA: check the plain key as any other.</summary>
    NoAuthority,
    /// <summary>The CA is trusted but the certificate is not good (<see cref="HostCertificateResult.Reason"/>): OpenSSH then checks the plain key.</summary>
    Invalid,
}

/// <summary>The outcome of a host certificate check.</summary>
/// <param name="Status">The decision.</param>
/// <param name="Entry">The @cert-authority line (Trusted, Invalid) or the @revoked line (Revoked).</param>
/// <param name="Reason">Why an Invalid certificate was refused, in OpenSSH's words.</param>
public sealed record HostCertificateResult(HostCertificateStatus Status, KnownHostsEntry? Entry, string? Reason);

/// <summary>
/// Host certificates against known_hosts, as OpenSSH's client checks them: the CA must be on a @cert-authority line
/// that names the host; the certificate must be a host certificate, valid now, list the host name (or HostKeyAlias)
/// among its principals when it lists any, carry no critical option, and be signed with an algorithm CASignatureAlgorithms allows (not ssh-rsa's SHA-1 by default); a
/// @revoked line for the key or for its CA refuses it outright.
/// </summary>
public static class HostCertificates
{
    /// <param name="host">The host as looked up in known_hosts (HostName lower-cased, or the HostKeyAlias).</param>
    /// <param name="port">The port (22 for a HostKeyAlias).</param>
    /// <param name="certificate">The server's host certificate.</param>
    /// <param name="files">The known_hosts files, in order.</param>
    /// <param name="now">The time the validity window is checked against.</param>
    /// <param name="extra">Lines from elsewhere, searched after the files (what KnownHostsCommand printed).</param>
    /// <param name="caSignatureAlgorithms">CASignatureAlgorithms (null: OpenSSH's default).</param>
    public static HostCertificateResult Check(string host, int port, SshCertificate certificate, IReadOnlyList<string> files, DateTimeOffset now,
        IReadOnlyList<KnownHostsEntry>? extra = null, IReadOnlyList<string>? caSignatureAlgorithms = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(files);
        foreach (var key in new[] { certificate.Key, certificate.SignatureKey })
        {
            var plain = KnownHosts.Check(host, port, key, files, extra);
            if (plain.Status == KnownHostStatus.Revoked) return new HostCertificateResult(HostCertificateStatus.Revoked, plain.Entry, null);
        }
        var authority = KnownHosts.CertificateAuthoritiesFor(host, port, files, extra).FirstOrDefault(e => certificate.SignatureKey.Equals(e.Key));
        if (authority is null) return new HostCertificateResult(HostCertificateStatus.NoAuthority, null, null);
        // OpenSSH's client does not require principals on host certificates (sshkey_cert_check_host).
        string? reason = CertificateValidation.Check(certificate, SshCertificateType.Host, host, now,
            caSignatureAlgorithms: caSignatureAlgorithms, requirePrincipal: false);
        return reason is null
            ? new HostCertificateResult(HostCertificateStatus.Trusted, authority, null)
            : new HostCertificateResult(HostCertificateStatus.Invalid, authority, reason);
    }
}
