using System.Security.Cryptography;

namespace Hop.Ssh.Keys.Formats;

/// <summary>
/// OpenSSL's traditional PEM private keys: "RSA PRIVATE KEY" (PKCS#1 RSAPrivateKey, RFC 8017 A.1.2) and
/// "EC PRIVATE KEY" (SEC 1 ECPrivateKey, RFC 5915), optionally encrypted as RFC 1421 describes:
/// <code>
/// Proc-Type: 4,ENCRYPTED
/// DEK-Info: AES-128-CBC,IV-IN-HEX        (AES-192-CBC, AES-256-CBC, DES-EDE3-CBC)
/// </code>
/// The key is OpenSSL's EVP_BytesToKey with MD5, one iteration, the first 8 IV bytes as salt:
/// D1 = MD5(passphrase || salt), Di = MD5(Di-1 || passphrase || salt), key = D1 || D2 ... truncated.
/// The body is CBC with PKCS#7 padding.
/// </summary>
internal sealed class PemPrivateKey : EncodedPrivateKey
{
    public const string RsaLabel = "RSA PRIVATE KEY";
    public const string EcLabel = "EC PRIVATE KEY";

    private readonly PemBlock _block;
    private readonly string? _dekAlgorithm;
    private readonly byte[] _iv = [];

    private PemPrivateKey(PemBlock block)
    {
        _block = block;
        if (block.Headers.TryGetValue("Proc-Type", out var proc) && proc.Replace(" ", "", StringComparison.Ordinal) == "4,ENCRYPTED")
        {
            if (!block.Headers.TryGetValue("DEK-Info", out var dek)) throw new SshKeyFormatException("invalid format (encrypted PEM without DEK-Info)");
            var parts = dek.Split(',', 2);
            if (parts.Length != 2) throw new SshKeyFormatException("invalid format (bad DEK-Info)");
            _dekAlgorithm = parts[0].Trim().ToUpperInvariant();
            _ = CipherFor(_dekAlgorithm);
            try
            {
                _iv = Convert.FromHexString(parts[1].Trim());
            }
            catch (FormatException e)
            {
                throw new SshKeyFormatException("invalid format (DEK-Info IV is not hex)", e);
            }
            if (_iv.Length != CipherFor(_dekAlgorithm).IvLength) throw new SshKeyFormatException("invalid format (DEK-Info IV length)");
        }
        else
        {
            using var key = Import(_block.Label, _block.Data, passphraseWasUsed: false);
            PublicKey = key.PublicKey;
        }
    }

    public static PemPrivateKey Parse(PemBlock block) => new(block);

    public override PrivateKeyFormat Format => PrivateKeyFormat.Pem;
    public override bool IsEncrypted => _dekAlgorithm is not null;
    public override SshPublicKey? PublicKey { get; }
    public override string Comment => "";

    private static (int KeyLength, int IvLength) CipherFor(string name) => name switch
    {
        "AES-128-CBC" => (16, 16),
        "AES-192-CBC" => (24, 16),
        "AES-256-CBC" => (32, 16),
        "DES-EDE3-CBC" => (24, 8),
        _ => throw new SshKeyFormatException($"unsupported PEM encryption {name}"),
    };

    public override SshPrivateKey Decrypt(ReadOnlySpan<byte> passphrase)
    {
        if (_dekAlgorithm is null) return Import(_block.Label, _block.Data, passphraseWasUsed: false);
        if (passphrase.IsEmpty) throw new SshPassphraseException(PrivateKeyFile.IncorrectPassphrase);
        var (keyLength, _) = CipherFor(_dekAlgorithm);
        byte[] key = BytesToKey(passphrase, _iv.AsSpan(0, 8), keyLength);
        byte[] der;
        try
        {
            using SymmetricAlgorithm cipher = _dekAlgorithm == "DES-EDE3-CBC" ? TripleDES.Create() : Aes.Create();
            cipher.Key = key;
            der = cipher.DecryptCbc(_block.Data, _iv, PaddingMode.PKCS7);
        }
        catch (CryptographicException e)
        {
            throw new SshPassphraseException(PrivateKeyFile.IncorrectPassphrase, e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
        try
        {
            return Import(_block.Label, der, passphraseWasUsed: true);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    private static SshPrivateKey Import(string label, ReadOnlySpan<byte> der, bool passphraseWasUsed)
    {
        try
        {
            if (label == RsaLabel)
            {
                var rsa = RSA.Create();
                try
                {
                    rsa.ImportRSAPrivateKey(der, out int read);
                    if (read != der.Length) throw new CryptographicException("trailing bytes after the key");
                    return new RsaPrivateKey(rsa);
                }
                catch
                {
                    rsa.Dispose();
                    throw;
                }
            }
            var ec = ECDsa.Create();
            try
            {
                ec.ImportECPrivateKey(der, out int read);
                if (read != der.Length) throw new CryptographicException("trailing bytes after the key");
                return new EcdsaPrivateKey(ec);
            }
            catch
            {
                ec.Dispose();
                throw;
            }
        }
        catch (Exception e) when (e is CryptographicException or System.Formats.Asn1.AsnContentException or PlatformNotSupportedException)
        {
            // A wrong passphrase that happens to pass the padding check gives garbage DER.
            if (passphraseWasUsed) throw new SshPassphraseException(PrivateKeyFile.IncorrectPassphrase, e);
            throw new SshKeyFormatException("invalid format (" + e.Message.TrimEnd('.') + ")", e);
        }
    }

    /// <summary>EVP_BytesToKey(MD5, count 1) as OpenSSL's PEM encryption uses it.</summary>
    internal static byte[] BytesToKey(ReadOnlySpan<byte> passphrase, ReadOnlySpan<byte> salt, int length)
    {
        var result = new byte[length];
        Span<byte> d = stackalloc byte[16];
        int have = 0;
        bool first = true;
        while (have < length)
        {
            using var h = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            if (!first) h.AppendData(d);
            h.AppendData(passphrase);
            h.AppendData(salt);
            h.GetHashAndReset(d);
            first = false;
            int take = Math.Min(16, length - have);
            d[..take].CopyTo(result.AsSpan(have));
            have += take;
        }
        CryptographicOperations.ZeroMemory(d);
        return result;
    }

    /// <summary>Writes PKCS#1 or SEC 1 PEM; encrypted with AES-128-CBC (as ssh-keygen -m PEM) when a passphrase is given.</summary>
    public static string Write(SshPrivateKey key, ReadOnlySpan<byte> passphrase)
    {
        byte[] der;
        string label;
        switch (key)
        {
            case RsaPrivateKey rsa:
                der = rsa.Rsa.ExportRSAPrivateKey();
                label = RsaLabel;
                break;
            case EcdsaPrivateKey ec:
                der = ec.Ecdsa.ExportECPrivateKey();
                label = EcLabel;
                break;
            default:
                throw new SshKeyFormatException($"a {key.PublicKey.KeyType} key cannot be written as PEM");
        }
        try
        {
            if (passphrase.IsEmpty) return PemBlock.Write(label, der);
            byte[] iv = RandomNumberGenerator.GetBytes(16);
            byte[] k = BytesToKey(passphrase, iv.AsSpan(0, 8), 16);
            try
            {
                using var aes = Aes.Create();
                aes.Key = k;
                byte[] body = aes.EncryptCbc(der, iv, PaddingMode.PKCS7);
                return PemBlock.Write(label, body, 64,
                [
                    new("Proc-Type", "4,ENCRYPTED"),
                    new("DEK-Info", "AES-128-CBC," + Convert.ToHexString(iv)),
                ]);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(k);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }
}
