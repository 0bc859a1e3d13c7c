using Hop.Ssh;
using Hop.Ssh.Keys;
using Hop.Ssh.Keys.Formats;

namespace Hop.Interop.Tests.Keys;

/// <summary>openssh-key-v1 both ways with the real ssh-keygen.</summary>
public class OpenSshKeyV1InteropTests
{
    public static TheoryData<string, string, string> GeneratedBySshKeygen() => new()
    {
        { "ed25519", "", "" },
        { "ed25519", "pw", "aes256-ctr" },
        { "ed25519", "pw", "aes128-ctr" },
        { "ed25519", "pw", "aes256-gcm@openssh.com" },
        { "ed25519", "pw", "chacha20-poly1305@openssh.com" },
        { "ecdsa:256", "pw", "aes256-ctr" },
        { "ecdsa:384", "", "" },
        { "ecdsa:521", "pw pw", "chacha20-poly1305@openssh.com" },
        { "rsa:2048", "pw", "aes256-gcm@openssh.com" },
    };

    [Theory]
    [MemberData(nameof(GeneratedBySshKeygen))]
    public void ReadsWhatSshKeygenWrites(string type, string passphrase, string cipher)
    {
        using var dir = new TempDir();
        string path = dir["key"];
        var args = new List<string> { "-q", "-t", type.Split(':')[0], "-N", passphrase, "-C", "comment here", "-f", path, "-a", "2" };
        if (type.Contains(':', StringComparison.Ordinal)) args.AddRange(["-b", type.Split(':')[1]]);
        if (cipher.Length > 0) args.AddRange(["-Z", cipher]);
        Tool.Ok(Tool.Run("/usr/bin/ssh-keygen", args), "ssh-keygen");

        var file = PrivateKeyFile.Load(path);
        Assert.Equal(passphrase.Length > 0, file.IsEncrypted);
        var (pub, comment) = PublicKeyFile.Load(path + ".pub");
        Assert.Equal("comment here", comment);
        Assert.Equal(pub, file.PublicKey);
        using var key = file.Decrypt(passphrase);
        Assert.Equal(pub, key.PublicKey);
        Assert.Equal("comment here", key.Comment);
        if (passphrase.Length > 0)
            Assert.Equal(PrivateKeyFile.IncorrectPassphrase, Assert.Throws<SshPassphraseException>(() => file.Decrypt("nope")).Message);
    }

    public static TheoryData<string, string> WrittenByHop() => new()
    {
        { "ed25519", "" },
        { "ed25519", "aes256-ctr" },
        { "ed25519", "aes128-ctr" },
        { "ed25519", "aes256-gcm@openssh.com" },
        { "ed25519", "chacha20-poly1305@openssh.com" },
        { "ecdsa256", "aes256-ctr" },
        { "ecdsa384", "" },
        { "ecdsa521", "aes256-gcm@openssh.com" },
        { "rsa", "aes256-ctr" },
        { "rsa", "" },
    };

    private static readonly Lazy<RsaPrivateKey> Rsa = new(() => RsaPrivateKey.Generate(2048));

    private static SshPrivateKey Create(string type) => type switch
    {
        "ed25519" => Ed25519PrivateKey.Generate(),
        "ecdsa256" => EcdsaPrivateKey.Generate(256),
        "ecdsa384" => EcdsaPrivateKey.Generate(384),
        "ecdsa521" => EcdsaPrivateKey.Generate(521),
        _ => new RsaPrivateKey(System.Security.Cryptography.RSA.Create(Rsa.Value.Rsa.ExportParameters(true))),
    };

    [Theory]
    [MemberData(nameof(WrittenByHop))]
    public void SshKeygenReadsWhatHopWrites(string type, string cipher)
    {
        using var dir = new TempDir();
        using var key = Create(type);
        string pass = cipher.Length > 0 ? "sécret" : "";
        string text = PrivateKeyWriter.Write(key, "hop comment", pass, PrivateKeyFormat.OpenSsh, new PrivateKeyWriteOptions { Cipher = cipher.Length > 0 ? cipher : "aes256-ctr", Rounds = 2 });
        string path = dir.WritePrivate("key", text);
        var r = Tool.Ok(Tool.SshKeygen("-y", "-P", pass, "-f", path), "ssh-keygen -y");
        Assert.Equal(key.PublicKey.ToOpenSshLine("hop comment"), r.Stdout.Trim());
        if (pass.Length > 0)
        {
            var bad = Tool.SshKeygen("-y", "-P", "wrong", "-f", path);
            Assert.NotEqual(0, bad.ExitCode);
            Assert.Contains("incorrect passphrase supplied to decrypt private key", bad.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void RefusesUnprotectedFile()
    {
        using var dir = new TempDir();
        using var key = Ed25519PrivateKey.Generate();
        string path = dir.WritePrivate("key", PrivateKeyWriter.Write(key, "", default));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, TempDir.Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var e = Assert.Throws<SshKeyFormatException>(() => PrivateKeyFile.Load(path));
        Assert.Contains("WARNING: UNPROTECTED PRIVATE KEY FILE!", e.Message, StringComparison.Ordinal);
        Assert.Contains($"Permissions 0644 for '{path}' are too open.", e.Message, StringComparison.Ordinal);
        // ssh-keygen refuses the same file with the same words.
        var r = Tool.SshKeygen("-y", "-f", path);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains($"Permissions 0644 for '{path}' are too open.", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFileIsAKeyFormatError()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<SshKeyFormatException>(() => PrivateKeyFile.Load(dir["absent"]));
        Assert.Contains("No such file or directory", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DecryptsTwentyFourRoundKeyFromSshKeygen()
    {
        using var dir = new TempDir();
        string path = dir["key"];
        Tool.Ok(Tool.SshKeygen("-q", "-t", "ed25519", "-N", "pw", "-f", path), "ssh-keygen");
        var file = PrivateKeyFile.Load(path);
        using var key = file.Decrypt("pw");
        Assert.Equal(PublicKeyFile.Load(path + ".pub").Item1, key.PublicKey);
    }
}
