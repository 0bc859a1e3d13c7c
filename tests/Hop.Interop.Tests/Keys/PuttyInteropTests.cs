using Hop.Ssh;
using Hop.Ssh.Keys;
using Hop.Ssh.Keys.Formats;

namespace Hop.Interop.Tests.Keys;

/// <summary>.ppk v2 and v3 both ways with the real puttygen 0.78.</summary>
public class PuttyInteropTests
{
    public static TheoryData<string, string, string> PuttygenKeys() => new()
    {
        // type, puttygen --ppk-param, passphrase
        { "ed25519", "version=3,kdf=argon2id,memory=64,passes=2", "pw" },
        { "ed25519", "version=3", "" },
        { "ed25519", "version=2", "pw" },
        { "ecdsa:256", "version=3,kdf=argon2i,memory=128,passes=1", "pass phrase" },
        { "ecdsa:384", "version=3,kdf=argon2d,memory=64,passes=3,parallelism=2", "pw" },
        { "ecdsa:521", "version=2", "" },
        { "rsa:2048", "version=3,kdf=argon2id,memory=256,passes=1", "pw" },
    };

    [Theory]
    [MemberData(nameof(PuttygenKeys))]
    public void ReadsWhatPuttygenWrites(string type, string ppkParam, string passphrase)
    {
        using var dir = new TempDir();
        string key = dir["key.ppk"];
        string passFile = dir.WritePrivate("pass", passphrase + "\n");
        var args = new List<string> { "-t", type.Split(':')[0], "-C", "putty comment", "-o", key, "--ppk-param", ppkParam, "-q" };
        if (type.Contains(':', StringComparison.Ordinal)) args.AddRange(["-b", type.Split(':')[1]]);
        args.AddRange(passphrase.Length > 0 ? ["--new-passphrase", passFile] : ["--new-passphrase", "/dev/null"]);
        Tool.Ok(Tool.Run("/usr/bin/puttygen", args), "puttygen");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(key, TempDir.Private);
        Tool.Ok(Tool.Puttygen(key, "--old-passphrase", passFile, "-O", "public-openssh", "-o", dir["key.pub"]), "puttygen -O public-openssh");
        var (pub, comment) = PublicKeyFile.Load(dir["key.pub"]);
        Assert.Equal("putty comment", comment);

        var file = PrivateKeyFile.Load(key);
        Assert.Equal(passphrase.Length > 0, file.IsEncrypted);
        Assert.Equal(ppkParam.StartsWith("version=2", StringComparison.Ordinal) ? PrivateKeyFormat.Ppk2 : PrivateKeyFormat.Ppk3, file.Format);
        Assert.Equal(pub, file.PublicKey);
        Assert.Equal("putty comment", file.Comment);
        Assert.Equal(pub, PublicKeyFile.Load(key).Key);
        using var k = file.Decrypt(passphrase);
        Assert.Equal(pub, k.PublicKey);
        Assert.Equal("putty comment", k.Comment);
        if (passphrase.Length > 0)
            Assert.Equal(PrivateKeyFile.IncorrectPassphrase, Assert.Throws<SshPassphraseException>(() => file.Decrypt("wrong")).Message);
    }

    public static TheoryData<string, string, string> HopKeys() => new()
    {
        { "ed25519", "Ppk3", "pw" },
        { "ed25519", "Ppk2", "pw" },
        { "ecdsa256", "Ppk3", "" },
        { "ecdsa384", "Ppk2", "" },
        { "ecdsa521", "Ppk3", "pass phrase" },
        { "rsa", "Ppk3", "pw" },
        { "rsa", "Ppk2", "pw" },
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
    [MemberData(nameof(HopKeys))]
    public void PuttygenReadsWhatHopWrites(string type, string format, string passphrase)
    {
        using var dir = new TempDir();
        using var key = Create(type);
        var options = new PrivateKeyWriteOptions { PpkMemoryKiB = 256, PpkPasses = 2 };
        string text = PrivateKeyWriter.Write(key, "hop key", passphrase, Enum.Parse<PrivateKeyFormat>(format), options);
        string path = dir.WritePrivate("key.ppk", text);
        string passFile = dir.WritePrivate("pass", passphrase + "\n");
        Tool.Ok(Tool.Puttygen(path, "--old-passphrase", passFile, "-O", "public-openssh", "-o", dir["out.pub"]), "puttygen -O public-openssh");
        Assert.Equal(key.PublicKey.ToOpenSshLine("hop key"), File.ReadAllText(dir["out.pub"]).Trim());
        // puttygen converts it to an OpenSSH private key, which ssh-keygen accepts.
        Tool.Ok(Tool.Puttygen(path, "--old-passphrase", passFile, "-O", "private-openssh-new", "-o", dir["conv"], "--new-passphrase", "/dev/null"), "puttygen -O private-openssh-new");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dir["conv"], TempDir.Private);
        Assert.Equal(key.PublicKey.ToOpenSshLine("hop key"), Tool.Ok(Tool.SshKeygen("-y", "-f", dir["conv"]), "ssh-keygen -y").Stdout.Trim());
        if (passphrase.Length > 0)
        {
            string bad = dir.WritePrivate("bad", "nope\n");
            Assert.NotEqual(0, Tool.Puttygen(path, "--old-passphrase", bad, "-O", "private-openssh-new", "-o", dir["x"], "--new-passphrase", "/dev/null").ExitCode);
        }
    }

    [Fact]
    public void HopKeygenWritesPpkOnGenerationAndOnPassphraseChange()
    {
        using var dir = new TempDir();
        string path = dir["k"];
        Tool.Ok(Tool.Run(Tool.Hop, ["keygen", "-q", "-t", "ecdsa", "-m", "PPK", "-N", "pw", "-C", "gen", "-f", path]), "hop keygen -m PPK");
        Assert.StartsWith("PuTTY-User-Key-File-3: ecdsa-sha2-nistp256\nEncryption: aes256-cbc\n", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Contains("Key-Derivation: Argon2id\nArgon2-Memory: 8192\n", File.ReadAllText(path), StringComparison.Ordinal);
        string passFile = dir.WritePrivate("pass", "pw\n");
        Tool.Ok(Tool.Puttygen(path, "--old-passphrase", passFile, "-O", "public-openssh", "-o", dir["p.pub"]), "puttygen");
        Assert.Equal(File.ReadAllText(path + ".pub").Trim(), File.ReadAllText(dir["p.pub"]).Trim());
        // -m PPK2 converts to version 2; -p without -m keeps the format.
        Tool.Ok(Tool.Run(Tool.Hop, ["keygen", "-p", "-P", "pw", "-N", "two", "-m", "PPK2", "-f", path]), "hop -p -m PPK2");
        Assert.StartsWith("PuTTY-User-Key-File-2:", File.ReadAllText(path), StringComparison.Ordinal);
        Tool.Ok(Tool.Run(Tool.Hop, ["keygen", "-p", "-P", "two", "-N", "three", "-f", path]), "hop -p");
        Assert.StartsWith("PuTTY-User-Key-File-2:", File.ReadAllText(path), StringComparison.Ordinal);
        string three = dir.WritePrivate("three", "three\n");
        Tool.Ok(Tool.Puttygen(path, "--old-passphrase", three, "-O", "public-openssh", "-o", dir["p2.pub"]), "puttygen v2");
        Assert.Equal(File.ReadAllText(path + ".pub").Trim(), File.ReadAllText(dir["p2.pub"]).Trim());
        // And back to OpenSSH's format.
        Tool.Ok(Tool.Run(Tool.Hop, ["keygen", "-p", "-P", "three", "-N", "four", "-a", "2", "-m", "OpenSSH", "-f", path]), "hop -p -m OpenSSH");
        Assert.StartsWith("ecdsa-sha2-nistp256 ", Tool.Ok(Tool.SshKeygen("-y", "-P", "four", "-f", path), "ssh-keygen -y").Stdout, StringComparison.Ordinal);
    }
}
