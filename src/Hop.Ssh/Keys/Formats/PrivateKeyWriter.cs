namespace Hop.Ssh.Keys.Formats;

/// <summary>How a private key file is protected when written.</summary>
public sealed record PrivateKeyWriteOptions
{
    /// <summary>openssh-key-v1 cipher (ssh-keygen -Z); OpenSSH's default is aes256-ctr.</summary>
    public string Cipher { get; init; } = OpenSshKeyV1.DefaultCipher;

    /// <summary>bcrypt_pbkdf rounds (ssh-keygen -a); OpenSSH's default is 24.</summary>
    public int Rounds { get; init; } = OpenSshKeyV1.DefaultRounds;

    /// <summary>PPK v3 Argon2 flavour: "Argon2id" (PuTTYgen's default), "Argon2i" or "Argon2d".</summary>
    public string PpkKdf { get; init; } = "Argon2id";

    /// <summary>PPK v3 Argon2 memory in KiB (PuTTYgen's default 8192).</summary>
    public int PpkMemoryKiB { get; init; } = 8192;

    /// <summary>PPK v3 Argon2 passes; PuTTYgen's default is to time 100 ms, we take a fixed 21 when null.</summary>
    public int? PpkPasses { get; init; }

    /// <summary>PPK v3 Argon2 parallelism (PuTTYgen's default 1).</summary>
    public int PpkParallelism { get; init; } = 1;
}

/// <summary>Serialises a private key in one of the supported file formats.</summary>
public static class PrivateKeyWriter
{
    /// <summary>
    /// Returns the file text. An empty passphrase writes the key unencrypted.
    /// </summary>
    public static string Write(SshPrivateKey key, string comment, ReadOnlySpan<char> passphrase,
        PrivateKeyFormat format = PrivateKeyFormat.OpenSsh, PrivateKeyWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        options ??= new PrivateKeyWriteOptions();
        byte[] pass = OpenSshKeyV1.Utf8(passphrase);
        try
        {
            // As ssh-keygen: PEM and PKCS8 cover RSA and ECDSA; an Ed25519 key is written as openssh-key-v1.
            if (key is Ed25519PrivateKey && format is PrivateKeyFormat.Pem or PrivateKeyFormat.Pkcs8) format = PrivateKeyFormat.OpenSsh;
            return format switch
            {
                PrivateKeyFormat.OpenSsh => OpenSshKeyV1.Write(key, comment ?? "", pass, options.Cipher, options.Rounds),
                PrivateKeyFormat.Pem => PemPrivateKey.Write(key, pass),
                PrivateKeyFormat.Pkcs8 => Pkcs8PrivateKey.Write(key, pass),
                PrivateKeyFormat.Ppk2 => PpkKeyFile.Write(key, comment ?? "", pass, 2, options),
                PrivateKeyFormat.Ppk3 => PpkKeyFile.Write(key, comment ?? "", pass, 3, options),
                _ => throw new SshKeyFormatException($"unknown private key format {format}"),
            };
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(pass);
        }
    }
}
