using Hop.Ssh;
using Hop.Ssh.Keys;
using Hop.Ssh.Keys.Formats;

namespace Hop.Interop.Tests.Keys;

/// <summary>PEM (PKCS#1/SEC 1 with DEK-Info) and PKCS#8 both ways with ssh-keygen and openssl.</summary>
public class PemInteropTests
{
    public static TheoryData<string, string, string> SshKeygenKeys() => new()
    {
        { "ecdsa:256", "PEM", "" },
        { "ecdsa:384", "PEM", "pw123" },
        { "ecdsa:521", "PKCS8", "pw123" },
        { "ecdsa:256", "PKCS8", "" },
        { "rsa:2048", "PEM", "pw123" },
        { "rsa:2048", "PKCS8", "pw123" },
    };

    [Theory]
    [MemberData(nameof(SshKeygenKeys))]
    public void ReadsPemAndPkcs8FromSshKeygen(string type, string format, string passphrase)
    {
        using var dir = new TempDir();
        string path = dir["k"];
        var args = new List<string> { "-q", "-t", type.Split(':')[0], "-b", type.Split(':')[1], "-m", format, "-N", passphrase, "-f", path };
        Tool.Ok(Tool.Run("/usr/bin/ssh-keygen", args), "ssh-keygen");
        var file = PrivateKeyFile.Load(path);
        Assert.Equal(format == "PEM" ? PrivateKeyFormat.Pem : PrivateKeyFormat.Pkcs8, file.Format);
        Assert.Equal(passphrase.Length > 0, file.IsEncrypted);
        using var key = file.Decrypt(passphrase);
        Assert.Equal(PublicKeyFile.Load(path + ".pub").Key, key.PublicKey);
        if (passphrase.Length > 0)
            Assert.Equal(PrivateKeyFile.IncorrectPassphrase, Assert.Throws<SshPassphraseException>(() => file.Decrypt("wrong")).Message);
    }

    public static TheoryData<string, string> OpenSslCiphers() => new()
    {
        { "rsa", "-aes128" }, { "rsa", "-aes192" }, { "rsa", "-aes256" }, { "rsa", "-des3" },
        { "ec", "-aes256" }, { "ec", "-des3" },
    };

    private static readonly Lazy<string> RsaPkcs1 = new(() =>
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        return rsa.ExportRSAPrivateKeyPem();
    });

    [Theory]
    [MemberData(nameof(OpenSslCiphers))]
    public void ReadsLegacyDekInfoFromOpenSsl(string kind, string cipher)
    {
        using var dir = new TempDir();
        string plain;
        if (kind == "rsa")
        {
            plain = dir.WritePrivate("plain", RsaPkcs1.Value);
        }
        else
        {
            using var ec = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384);
            plain = dir.WritePrivate("plain", ec.ExportECPrivateKeyPem());
        }
        string enc = dir["enc"];
        // -traditional keeps PKCS#1/SEC 1 with Proc-Type/DEK-Info headers.
        var args = kind == "rsa"
            ? new[] { "rsa", "-traditional", "-in", plain, cipher, "-passout", "pass:secret", "-out", enc }
            : new[] { "ec", "-in", plain, cipher, "-passout", "pass:secret", "-out", enc };
        Tool.Ok(Tool.Run("/usr/bin/openssl", args), "openssl");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(enc, TempDir.Private);
        Assert.Contains("DEK-Info: ", File.ReadAllText(enc), StringComparison.Ordinal);
        var file = PrivateKeyFile.Load(enc);
        Assert.True(file.IsEncrypted);
        using var key = file.Decrypt("secret");
        using var reference = PrivateKeyFile.Load(plain).Decrypt();
        Assert.Equal(reference.PublicKey, key.PublicKey);
        Assert.Throws<SshPassphraseException>(() => file.Decrypt("wrong"));
    }

    public static TheoryData<string, string> OpenSslPkcs8() => new()
    {
        // algorithm, extra openssl pkcs8 arguments
        { "ed25519", "-v2 aes256" },
        { "ed25519", "-v2 aes128 -v2prf hmacWithSHA512" },
        { "ed25519", "-v2 des3" },
        { "ec", "-v2 aes256 -v2prf hmacWithSHA1" },
        { "ec", "-v1 PBE-SHA1-3DES" },
        { "rsa", "-v2 aes192" },
    };

    [Theory]
    [MemberData(nameof(OpenSslPkcs8))]
    public void ReadsEncryptedPkcs8FromOpenSsl(string algorithm, string pkcs8Args)
    {
        using var dir = new TempDir();
        string plain = dir["plain"];
        var gen = algorithm switch
        {
            "ed25519" => new[] { "genpkey", "-algorithm", "ed25519", "-out", plain },
            "ec" => ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", plain],
            _ => ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", plain],
        };
        Tool.Ok(Tool.Run("/usr/bin/openssl", gen), "openssl genpkey");
        string enc = dir["enc"];
        Tool.Ok(Tool.Run("/usr/bin/openssl", ["pkcs8", "-topk8", "-in", plain, "-out", enc, "-passout", "pass:secret", .. pkcs8Args.Split(' ')]), "openssl pkcs8");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(plain, TempDir.Private);
            File.SetUnixFileMode(enc, TempDir.Private);
        }
        Assert.StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----", File.ReadAllText(enc), StringComparison.Ordinal);
        using var reference = PrivateKeyFile.Load(plain).Decrypt();
        var file = PrivateKeyFile.Load(enc);
        Assert.True(file.IsEncrypted);
        using var key = file.Decrypt("secret");
        Assert.Equal(reference.PublicKey, key.PublicKey);
        Assert.Equal(PrivateKeyFile.IncorrectPassphrase, Assert.Throws<SshPassphraseException>(() => file.Decrypt("wrong")).Message);
    }

    public static TheoryData<string, string, string> HopWrites() => new()
    {
        { "ecdsa256", "Pem", "" },
        { "ecdsa384", "Pem", "secret" },
        { "ecdsa521", "Pkcs8", "secret" },
        { "rsa", "Pem", "secret" },
        { "rsa", "Pkcs8", "" },
        { "rsa", "Pkcs8", "secret" },
    };

    [Theory]
    [MemberData(nameof(HopWrites))]
    public void SshKeygenAndOpenSslReadPemAndPkcs8FromHop(string type, string format, string passphrase)
    {
        using var dir = new TempDir();
        using SshPrivateKey key = type switch
        {
            "ecdsa256" => EcdsaPrivateKey.Generate(256),
            "ecdsa384" => EcdsaPrivateKey.Generate(384),
            "ecdsa521" => EcdsaPrivateKey.Generate(521),
            _ => new RsaPrivateKey(System.Security.Cryptography.RSA.Create(RsaPkcs1Key())),
        };
        string text = PrivateKeyWriter.Write(key, "", passphrase, Enum.Parse<PrivateKeyFormat>(format));
        string path = dir.WritePrivate("k", text);
        var y = Tool.Ok(Tool.SshKeygen("-y", "-P", passphrase, "-f", path), "ssh-keygen -y");
        Assert.Equal(key.PublicKey.ToOpenSshLine(), y.Stdout.Trim());
        var o = Tool.Ok(Tool.Run("/usr/bin/openssl", ["pkey", "-in", path, "-passin", "pass:" + passphrase, "-pubout", "-out", dir["pub.pem"]]), "openssl pkey");
        _ = o;
        Assert.Equal(key.PublicKey, PublicKeyFile.Load(dir["pub.pem"]).Key);
    }

    private static System.Security.Cryptography.RSAParameters RsaPkcs1Key()
    {
        using var rsa = System.Security.Cryptography.RSA.Create();
        rsa.ImportFromPem(RsaPkcs1.Value);
        return rsa.ExportParameters(true);
    }
}
