namespace Hop.Ssh.Keys.Formats;

/// <summary>The file formats a private key can be stored in.</summary>
public enum PrivateKeyFormat
{
    /// <summary>openssh-key-v1 ("OPENSSH PRIVATE KEY"), OpenSSH's default.</summary>
    OpenSsh,
    /// <summary>PKCS#1 "RSA PRIVATE KEY" or SEC 1 "EC PRIVATE KEY", optionally with DEK-Info (ssh-keygen -m PEM).</summary>
    Pem,
    /// <summary>PKCS#8 "PRIVATE KEY" or "ENCRYPTED PRIVATE KEY" (ssh-keygen -m PKCS8).</summary>
    Pkcs8,
    /// <summary>PuTTY .ppk version 2.</summary>
    Ppk2,
    /// <summary>PuTTY .ppk version 3.</summary>
    Ppk3,
}

/// <summary>A private key file parsed as far as it can be without the passphrase.</summary>
internal abstract class EncodedPrivateKey
{
    public abstract PrivateKeyFormat Format { get; }
    public abstract bool IsEncrypted { get; }
    public abstract SshPublicKey? PublicKey { get; }
    public abstract string Comment { get; }

    /// <summary>The cost of the passphrase KDF in rough units (bcrypt rounds, Argon2 KiB×passes/1024, PBKDF2 iterations/1000); tests skip costly fuzzed files.</summary>
    internal virtual long KdfCost => 0;

    /// <summary>Decrypts with the UTF-8 passphrase (empty for none); sets the key's comment.</summary>
    public abstract SshPrivateKey Decrypt(ReadOnlySpan<byte> passphrase);
}
