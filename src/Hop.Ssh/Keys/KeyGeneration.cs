namespace Hop.Ssh.Keys;

/// <summary>Makes new key pairs by ssh-keygen's type names and sizes.</summary>
public static class KeyGeneration
{
    /// <summary>The default key type (OpenSSH 10's default).</summary>
    public const string DefaultType = "ed25519";

    /// <summary>Default size in bits for a type (ssh-keygen: rsa 3072, ecdsa 256, ed25519 256).</summary>
    public static int DefaultBits(string type) => NormalizeType(type) switch
    {
        "rsa" => 3072,
        "ecdsa" => 256,
        _ => 256,
    };

    /// <summary>Maps ssh-keygen -t spellings ("ed25519", "ssh-ed25519", "ecdsa", "ecdsa-sha2-nistp384", "rsa") to ed25519, ecdsa or rsa.</summary>
    public static string NormalizeType(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return type.ToLowerInvariant() switch
        {
            "ed25519" or "ssh-ed25519" => "ed25519",
            "ecdsa" or "ecdsa-sha2-nistp256" or "ecdsa-sha2-nistp384" or "ecdsa-sha2-nistp521" => "ecdsa",
            "rsa" or "ssh-rsa" => "rsa",
            _ => throw new SshKeyFormatException($"unknown key type {type}"),
        };
    }

    /// <summary>Checks the size for the type; throws with ssh-keygen's words.</summary>
    public static int ValidateBits(string type, int? bits)
    {
        string t = NormalizeType(type);
        if (bits is null)
        {
            return type.ToLowerInvariant() switch
            {
                "ecdsa-sha2-nistp384" => 384,
                "ecdsa-sha2-nistp521" => 521,
                _ => DefaultBits(t),
            };
        }
        int b = bits.Value;
        switch (t)
        {
            case "rsa":
                if (b < 2048) throw new SshKeyFormatException("Invalid RSA key length: minimum is 2048 bits");
                if (b > 16384) throw new SshKeyFormatException("Invalid RSA key length: maximum is 16384 bits");
                return b;
            case "ecdsa":
                if (b is not (256 or 384 or 521)) throw new SshKeyFormatException("Invalid ECDSA key length: valid lengths are 256, 384 or 521 bits");
                return b;
            default:
                return 256;
        }
    }

    /// <summary>
    /// Generates a key of the type and size. An RSA key is searched for on up to four cores at
    /// once and the first found is kept; the other searches finish in the background.
    /// </summary>
    public static SshPrivateKey Generate(string type, int? bits = null)
    {
        int b = ValidateBits(type, bits);
        return NormalizeType(type) switch
        {
            "rsa" => RsaPrivateKey.Generate(b, FirstToFinish.DefaultSearches),
            "ecdsa" => EcdsaPrivateKey.Generate(b),
            _ => Ed25519PrivateKey.Generate(),
        };
    }
}
