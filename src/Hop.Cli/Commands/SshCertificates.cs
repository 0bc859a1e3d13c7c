using Hop.Ssh;
using Hop.Ssh.Auth;
using Hop.Ssh.Config;
using Hop.Ssh.Keys;
using Hop.Ssh.Keys.Formats;

namespace Hop.Cli.Commands;

/// <summary>
/// Puts user certificates in front of the keys they certify, as OpenSSH uses them: CertificateFile entries, and
/// the "KEY-cert.pub" beside each IdentityFile. Each certificate is offered just before its key, so a server that
/// trusts the CA (TrustedUserCAKeys) accepts it and one that lists the key in authorized_keys still gets the key.
/// </summary>
internal static class SshCertificates
{
    public static IReadOnlyList<IUserIdentity> Attach(IReadOnlyList<IUserIdentity> identities, ResolvedConfig c, DiagnosticLog log)
    {
        if (!c.PubkeyAuthentication || identities.Count == 0) return identities;
        var certificates = new List<(SshCertificate Cert, string Source)>();
        foreach (string path in c.CertificateFiles)
        {
            var cert = Load(path, log);
            if (cert is null) continue;
            log.Write(1, $"certificate file {path} type {cert.KeyType}");
            certificates.Add((cert, path));
        }
        foreach (string path in c.IdentityFiles)
        {
            var cert = Load(path + "-cert.pub", log, quietWhenMissing: true);
            if (cert is null) continue;
            log.Write(1, $"identity file {path}-cert type {cert.KeyType}");
            if (!certificates.Exists(x => x.Cert.Equals(cert))) certificates.Add((cert, path + "-cert.pub"));
        }
        if (certificates.Count == 0) return identities;
        var result = new List<IUserIdentity>();
        var used = new HashSet<SshCertificate>();
        foreach (var id in identities)
        {
            if (id.PublicKey is not SshCertificate)
            {
                foreach (var (cert, source) in certificates)
                {
                    if (!cert.Key.Equals(id.PublicKey) || !used.Add(cert)) continue;
                    result.Add(new CertificateIdentity(cert, id, source));
                }
            }
            result.Add(id);
        }
        foreach (var (cert, source) in certificates)
        {
            if (!used.Contains(cert)) log.Write(1, $"no private key for certificate \"{source}\"");
        }
        return result;
    }

    private static SshCertificate? Load(string path, DiagnosticLog log, bool quietWhenMissing = false)
    {
        if (!File.Exists(path))
        {
            if (!quietWhenMissing) log.Write(1, $"certificate file {path} type -1");
            return null;
        }
        try
        {
            if (PublicKeyFile.Load(path).Key is SshCertificate { Type: SshCertificateType.User } cert) return cert;
            log.Write(1, $"{path}: not a user certificate");
        }
        catch (SshKeyFormatException e)
        {
            log.Write(1, $"{path}: {e.Message}");
        }
        return null;
    }
}
