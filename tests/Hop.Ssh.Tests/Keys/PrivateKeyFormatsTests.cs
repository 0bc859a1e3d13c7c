using System.Text;
using Hop.Ssh.Keys;
using Hop.Ssh.Keys.Formats;

namespace Hop.Ssh.Tests.Keys;

/// <summary>Write → read round trips for every format and key type, wrong passphrases, and hostile input.</summary>
public class PrivateKeyFormatsTests
{
    private static readonly PrivateKeyWriteOptions Fast = new() { Rounds = 2, PpkMemoryKiB = 64, PpkPasses = 1 };

    public static TheoryData<string, PrivateKeyFormat, string> Cases()
    {
        var d = new TheoryData<string, PrivateKeyFormat, string>();
        foreach (var t in TestKeys.Names)
        {
            foreach (var f in new[] { PrivateKeyFormat.OpenSsh, PrivateKeyFormat.Pem, PrivateKeyFormat.Pkcs8, PrivateKeyFormat.Ppk2, PrivateKeyFormat.Ppk3 })
            {
                d.Add(t, f, "");
                d.Add(t, f, "pass phrase é");
            }
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RoundTrip(string type, PrivateKeyFormat format, string passphrase)
    {
        using var key = TestKeys.Create(type);
        string text = PrivateKeyWriter.Write(key, "the comment", passphrase, format, Fast);
        var file = PrivateKeyFile.Parse(Encoding.UTF8.GetBytes(text), "mem");
        // Ed25519 has no PEM/PKCS8 form in ssh-keygen: it falls back to openssh-key-v1.
        var expectedFormat = type == "ed25519" && format is PrivateKeyFormat.Pem or PrivateKeyFormat.Pkcs8 ? PrivateKeyFormat.OpenSsh : format;
        if (type == "ed25519" && format == PrivateKeyFormat.Pkcs8) expectedFormat = PrivateKeyFormat.OpenSsh;
        Assert.Equal(expectedFormat, file.Format);
        Assert.Equal(passphrase.Length > 0, file.IsEncrypted);
        if (expectedFormat is PrivateKeyFormat.OpenSsh or PrivateKeyFormat.Ppk2 or PrivateKeyFormat.Ppk3 || passphrase.Length == 0)
            Assert.Equal(key.PublicKey, file.PublicKey);
        using var back = file.Decrypt(passphrase);
        Assert.True(TestKeys.SameKey(key, back));
        bool keepsComment = expectedFormat is PrivateKeyFormat.OpenSsh or PrivateKeyFormat.Ppk2 or PrivateKeyFormat.Ppk3;
        Assert.Equal(keepsComment ? "the comment" : "", back.Comment);
        if (passphrase.Length > 0)
        {
            var e = Assert.Throws<SshPassphraseException>(() => file.Decrypt("wrong"));
            Assert.Equal("incorrect passphrase supplied to decrypt private key", e.Message);
            Assert.Throws<SshPassphraseException>(() => file.Decrypt());
        }
    }

    [Fact]
    public void Ed25519Pkcs8IsRead()
    {
        using var key = Ed25519PrivateKey.Generate();
        string text = Pkcs8PrivateKey.Write(key, default);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", text, StringComparison.Ordinal);
        using var back = PrivateKeyFile.Parse(Encoding.ASCII.GetBytes(text), "m").Decrypt();
        Assert.True(TestKeys.SameKey(key, back));
    }

    [Fact]
    public void PpkMacIsChecked()
    {
        using var key = EcdsaPrivateKey.Generate(256);
        foreach (var f in new[] { PrivateKeyFormat.Ppk2, PrivateKeyFormat.Ppk3 })
        {
            string text = PrivateKeyWriter.Write(key, "c", default, f, Fast);
            string tampered = text.Replace("Comment: c\n", "Comment: d\n", StringComparison.Ordinal);
            var e = Assert.Throws<SshKeyFormatException>(() => PrivateKeyFile.Parse(Encoding.ASCII.GetBytes(tampered), "m").Decrypt());
            Assert.Contains("MAC", e.Message, StringComparison.Ordinal);
        }
    }

    public static TheoryData<PrivateKeyFormat, bool> FuzzCases() => new()
    {
        { PrivateKeyFormat.Pem, false }, { PrivateKeyFormat.Pem, true },
        { PrivateKeyFormat.Pkcs8, false }, { PrivateKeyFormat.Pkcs8, true },
        { PrivateKeyFormat.Ppk2, false }, { PrivateKeyFormat.Ppk2, true },
        { PrivateKeyFormat.Ppk3, false }, { PrivateKeyFormat.Ppk3, true },
    };

    [Theory]
    [MemberData(nameof(FuzzCases))]
    public void CorruptedFilesGiveKeyFormatErrorsOnly(PrivateKeyFormat format, bool encrypted)
    {
        var rng = new Random((int)format * 2 + (encrypted ? 1 : 0));
        using var key = EcdsaPrivateKey.Generate(256);
        string text = PrivateKeyWriter.Write(key, "comment", encrypted ? "pw" : "", format, Fast with { PpkMemoryKiB = 8 });
        var bytes = Encoding.ASCII.GetBytes(text);
        int body = text.IndexOf('\n', StringComparison.Ordinal) + 1;
        for (int n = 0; n < 250; n++)
        {
            var copy = (byte[])bytes.Clone();
            switch (n % 4)
            {
                case 0: copy = copy[..rng.Next(copy.Length)]; break;
                case 1: copy[rng.Next(body, copy.Length)] ^= (byte)(1 << rng.Next(7)); break;
                case 2: copy[rng.Next(body, copy.Length)] = (byte)"ABCDEFabcdef0123456789+/=:\n "[rng.Next(28)]; break;
                default: copy[rng.Next(copy.Length)] = (byte)rng.Next(256); break;
            }
            OpenSshKeyV1Tests.FuzzOne(copy);
        }
    }
}
