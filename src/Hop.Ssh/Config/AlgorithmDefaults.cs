using Hop.Ssh.Keys;

namespace Hop.Ssh.Config;

/// <summary>One algorithm category: the default preference list and every name the implementation knows.</summary>
/// <param name="Default">The list used when the config says nothing, most preferred first.</param>
/// <param name="All">Every supported name; explicit lists, '+' and '^' may name only these.</param>
/// <param name="PatternsAllowed">Whether explicit lists may use wildcards (OpenSSH allows them for key algorithms only).</param>
public sealed record AlgorithmCategory(IReadOnlyList<string> Default, IReadOnlyList<string> All, bool PatternsAllowed = false);

/// <summary>
/// The algorithm lists that Ciphers, MACs, KexAlgorithms, HostKeyAlgorithms, PubkeyAcceptedAlgorithms and
/// CASignatureAlgorithms are resolved against. The CLI passes Hop's own tables; <see cref="OpenSsh"/> holds OpenSSH 9.2's, for comparing with ssh -G.
/// </summary>
public sealed record AlgorithmDefaults(
    AlgorithmCategory Ciphers,
    AlgorithmCategory Macs,
    AlgorithmCategory Kex,
    AlgorithmCategory HostKey,
    AlgorithmCategory PubkeyAccepted,
    AlgorithmCategory CaSignature)
{
    private static string[] L(string s) => s.Split(',');

    private const string KeyDefault =
        "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384-cert-v01@openssh.com," +
        "ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com," +
        "rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384," +
        "ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256";

    private const string KeyAll =
        "ssh-ed25519,ssh-ed25519-cert-v01@openssh.com,sk-ssh-ed25519@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com," +
        "ecdsa-sha2-nistp256,ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384,ecdsa-sha2-nistp384-cert-v01@openssh.com," +
        "ecdsa-sha2-nistp521,ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com," +
        "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,webauthn-sk-ecdsa-sha2-nistp256@openssh.com,ssh-dss," +
        "ssh-dss-cert-v01@openssh.com,ssh-rsa,ssh-rsa-cert-v01@openssh.com,rsa-sha2-256,rsa-sha2-256-cert-v01@openssh.com," +
        "rsa-sha2-512,rsa-sha2-512-cert-v01@openssh.com";

    /// <summary>
    /// CASignatureAlgorithms: the signature algorithms a CA may have signed a certificate with. OpenSSH's default
    /// leaves out ssh-rsa (SHA-1); any plain signature algorithm may be named (sshkey_alg_list's order).
    /// </summary>
    public static AlgorithmCategory CaSignatureCategory { get; } = new(
        CertificateValidation.DefaultCaSignatureAlgorithms,
        L("ssh-ed25519,sk-ssh-ed25519@openssh.com,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521," +
          "sk-ecdsa-sha2-nistp256@openssh.com,webauthn-sk-ecdsa-sha2-nistp256@openssh.com,ssh-dss,ssh-rsa,rsa-sha2-256,rsa-sha2-512"),
        PatternsAllowed: true);

    /// <summary>OpenSSH 9.2p1's defaults and supported names (ssh -Q), the oracle of the differential tests.</summary>
    public static AlgorithmDefaults OpenSsh { get; } = new(
        new AlgorithmCategory(
            L("chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com"),
            L("3des-cbc,aes128-cbc,aes192-cbc,aes256-cbc,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com," +
              "aes256-gcm@openssh.com,chacha20-poly1305@openssh.com")),
        new AlgorithmCategory(
            L("umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com," +
              "hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1"),
            L("hmac-sha1,hmac-sha1-96,hmac-sha2-256,hmac-sha2-512,hmac-md5,hmac-md5-96,umac-64@openssh.com,umac-128@openssh.com," +
              "hmac-sha1-etm@openssh.com,hmac-sha1-96-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com," +
              "hmac-md5-etm@openssh.com,hmac-md5-96-etm@openssh.com,umac-64-etm@openssh.com,umac-128-etm@openssh.com")),
        new AlgorithmCategory(
            L("sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org," +
              "ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256," +
              "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256"),
            L("diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,diffie-hellman-group14-sha256,diffie-hellman-group16-sha512," +
              "diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha1,diffie-hellman-group-exchange-sha256," +
              "ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,curve25519-sha256,curve25519-sha256@libssh.org," +
              "sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com")),
        new AlgorithmCategory(L(KeyDefault), L(KeyAll), PatternsAllowed: true),
        new AlgorithmCategory(L(KeyDefault), L(KeyAll), PatternsAllowed: true),
        CaSignatureCategory);
}
