using System.Text;
using Hop.Ssh.Keys;
using Hop.Ssh.Keys.Formats;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Tests.Keys;

public class OpenSshKeyV1Tests
{
    public static readonly TheoryData<string> Types = TestKeys.Types;

    public static TheoryData<string, string> TypesAndCiphers()
    {
        var d = new TheoryData<string, string>();
        foreach (var t in new[] { "ed25519", "ecdsa256", "ecdsa384", "ecdsa521", "rsa" })
        {
            foreach (var c in new[] { "aes256-ctr", "aes128-ctr", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes256-cbc" })
                d.Add(t, c);
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void UnencryptedRoundTrip(string type)
    {
        using var key = TestKeys.Create(type);
        string text = OpenSshKeyV1.Write(key, "user@host", default);
        Assert.StartsWith("-----BEGIN OPENSSH PRIVATE KEY-----\n", text, StringComparison.Ordinal);
        var file = PrivateKeyFile.Parse(Encoding.ASCII.GetBytes(text), "mem");
        Assert.False(file.IsEncrypted);
        Assert.Equal("user@host", file.Comment);
        Assert.Equal(PrivateKeyFormat.OpenSsh, file.Format);
        Assert.Equal(key.PublicKey, file.PublicKey);
        using var back = file.Decrypt();
        Assert.Equal("user@host", back.Comment);
        Assert.True(TestKeys.SameKey(key, back));
    }

    [Theory]
    [MemberData(nameof(TypesAndCiphers))]
    public void EncryptedRoundTrip(string type, string cipher)
    {
        using var key = TestKeys.Create(type);
        string text = OpenSshKeyV1.Write(key, "c", Encoding.UTF8.GetBytes("pässword"), cipher, 2);
        var file = PrivateKeyFile.Parse(Encoding.ASCII.GetBytes(text), "mem");
        Assert.True(file.IsEncrypted);
        Assert.Equal(key.PublicKey, file.PublicKey);
        using var back = file.Decrypt("pässword");
        Assert.True(TestKeys.SameKey(key, back));
        var e = Assert.Throws<SshPassphraseException>(() => file.Decrypt("wrong"));
        Assert.Equal("incorrect passphrase supplied to decrypt private key", e.Message);
        Assert.Throws<SshPassphraseException>(() => file.Decrypt());
    }

    [Fact]
    public void PrivateBodyRoundTripsForEveryType()
    {
        foreach (var type in TestKeys.Names)
        {
            using var key = TestKeys.Create(type);
            using var buf = new SshBuffer();
            var w = buf.Writer;
            OpenSshPrivateKeyBody.Write(ref w, key);
            w.WriteString("comment");
            var r = new SshReader(buf.WrittenSpan);
            using var back = OpenSshPrivateKeyBody.Read(ref r);
            Assert.Equal("comment", r.ReadUtf8());
            r.EnsureEnd();
            Assert.True(TestKeys.SameKey(key, back));
        }
    }

    [Fact]
    public void BadPaddingIsRejected()
    {
        using var key = Ed25519PrivateKey.Generate();
        // Unencrypted: flip the last byte of the private section (a padding byte or the comment).
        var bin = PemBlockData(OpenSshKeyV1.Write(key, "abc", default));
        bin[^1] ^= 0x40;
        var text = Rearmor(bin);
        var file = PrivateKeyFile.Parse(Encoding.ASCII.GetBytes(text), "k");
        Assert.Throws<SshKeyFormatException>(() => file.Decrypt());
    }

    [Fact]
    public void CheckIntMismatchInPlainFileIsFormatError()
    {
        using var key = Ed25519PrivateKey.Generate();
        var bin = PemBlockData(OpenSshKeyV1.Write(key, "abc", default));
        int at = IndexOfPrivateSection(bin);
        bin[at] ^= 1;
        var file = PrivateKeyFile.Parse(Encoding.ASCII.GetBytes(Rearmor(bin)), "k");
        var e = Assert.Throws<SshKeyFormatException>(() => file.Decrypt());
        Assert.IsNotType<SshPassphraseException>(e);
        Assert.Contains("\"k\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CorruptedInputNeverThrowsAnythingElse()
    {
        var rng = new Random(42);
        using var key = EcdsaPrivateKey.Generate(256);
        var texts = new[]
        {
            OpenSshKeyV1.Write(key, "comment", default),
            OpenSshKeyV1.Write(key, "comment", "pw"u8, "aes256-ctr", 1),
            OpenSshKeyV1.Write(key, "comment", "pw"u8, "aes256-gcm@openssh.com", 1),
            OpenSshKeyV1.Write(key, "comment", "pw"u8, "chacha20-poly1305@openssh.com", 1),
        };
        foreach (var text in texts)
        {
            var bin = PemBlockData(text);
            for (int n = 0; n < 80; n++)
            {
                var copy = (byte[])bin.Clone();
                switch (n % 3)
                {
                    case 0: copy = copy[..rng.Next(copy.Length)]; break;
                    case 1: copy[rng.Next(copy.Length)] ^= (byte)(1 << rng.Next(8)); break;
                    default: rng.NextBytes(copy.AsSpan(rng.Next(copy.Length))); break;
                }
                FuzzOne(Encoding.ASCII.GetBytes(Rearmor(copy)));
            }
            var raw = Encoding.ASCII.GetBytes(text);
            for (int n = 0; n < 60; n++)
            {
                var copy = (byte[])raw.Clone();
                copy[rng.Next(copy.Length)] = (byte)rng.Next(256);
                FuzzOne(copy[..rng.Next(copy.Length + 1)]);
            }
        }
        for (int n = 0; n < 200; n++)
        {
            var junk = new byte[rng.Next(0, 400)];
            rng.NextBytes(junk);
            FuzzOne(junk);
            FuzzOne(Encoding.ASCII.GetBytes(Rearmor(junk)));
        }
    }

    internal static void FuzzOne(byte[] content)
    {
        try
        {
            var f = PrivateKeyFile.Parse(content, "fuzz");
            _ = f.PublicKey;
            // A flipped bit may ask for millions of KDF rounds: legitimate, but not for a unit test.
            if (f.KdfCost > 4) return;
            f.Decrypt(f.IsEncrypted ? "pw" : default).Dispose();
        }
        catch (SshKeyFormatException)
        {
        }
    }

    internal static byte[] PemBlockData(string text)
    {
        var lines = text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal));
        return Convert.FromBase64String(string.Concat(lines));
    }

    internal static string Rearmor(byte[] bin) =>
        "-----BEGIN OPENSSH PRIVATE KEY-----\n" + Convert.ToBase64String(bin) + "\n-----END OPENSSH PRIVATE KEY-----\n";

    private static int IndexOfPrivateSection(byte[] bin)
    {
        var r = new SshReader(bin.AsSpan(15));
        r.ReadString(); r.ReadString(); r.ReadString(); r.ReadUInt32(); r.ReadString();
        r.ReadUInt32();
        return 15 + r.Position;
    }
}

public class OpenSshPrivateKeyBodyFuzzTests
{
    [Fact]
    public void MutatedBodiesGiveKeyFormatErrorsOnly()
    {
        var rng = new Random(5);
        foreach (var type in TestKeys.Names)
        {
            using var key = TestKeys.Create(type);
            using var buf = new SshBuffer();
            var w = buf.Writer;
            OpenSshPrivateKeyBody.Write(ref w, key);
            byte[] body = buf.ToArray();
            for (int n = 0; n < (type == "rsa" ? 30 : 150); n++)
            {
                var copy = (byte[])body.Clone();
                if (n % 2 == 0) copy = copy[..rng.Next(copy.Length)];
                else copy[rng.Next(copy.Length)] ^= (byte)(1 << rng.Next(8));
                try
                {
                    var r = new SshReader(copy);
                    OpenSshPrivateKeyBody.Read(ref r).Dispose();
                }
                catch (SshKeyFormatException)
                {
                }
            }
        }
    }
}
