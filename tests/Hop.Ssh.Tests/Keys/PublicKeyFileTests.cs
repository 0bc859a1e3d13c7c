using Hop.Ssh.Keys;
using Hop.Ssh.Keys.Formats;

namespace Hop.Ssh.Tests.Keys;

public class PublicKeyFileTests
{
    public static readonly TheoryData<string> Types = TestKeys.Types;

    [Theory]
    [MemberData(nameof(Types))]
    public void OneLineRoundTrip(string type)
    {
        using var key = TestKeys.Create(type);
        var (k, c) = PublicKeyFile.Parse(key.PublicKey.ToOpenSshLine("me@there with spaces") + "\n");
        Assert.Equal(key.PublicKey, k);
        Assert.Equal("me@there with spaces", c);
    }

    [Fact]
    public void AuthorizedKeysLineWithOptions()
    {
        using var key = Ed25519PrivateKey.Generate();
        string line = "command=\"echo hi there\",no-pty,from=\"10.0.0.1\" " + key.PublicKey.ToOpenSshLine("c");
        var (k, c) = PublicKeyFile.Parse("# comment line\n\n" + line);
        Assert.Equal(key.PublicKey, k);
        Assert.Equal("c", c);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Rfc4716RoundTrip(string type)
    {
        using var key = TestKeys.Create(type);
        string comment = new('x', 100);
        string text = Rfc4716PublicKey.Write(key.PublicKey, comment);
        Assert.All(text.Split('\n'), l => Assert.True(l.Length <= 72));
        var (k, c) = PublicKeyFile.Parse(text);
        Assert.Equal(key.PublicKey, k);
        Assert.Equal(comment, c);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void PemRoundTrip(string type)
    {
        using var key = TestKeys.Create(type);
        Assert.Equal(key.PublicKey, PublicKeyFile.Parse(PemPublicKey.WriteSubjectPublicKeyInfo(key.PublicKey)).Key);
        Assert.Equal(key.PublicKey, PublicKeyFile.Parse(PemPublicKey.WritePem(key.PublicKey)).Key);
    }

    [Fact]
    public void GarbageIsKeyFormatError()
    {
        var rng = new Random(7);
        using var key = EcdsaPrivateKey.Generate(384);
        string[] seeds =
        [
            key.PublicKey.ToOpenSshLine("c"),
            Rfc4716PublicKey.Write(key.PublicKey, "c"),
            PemPublicKey.WriteSubjectPublicKeyInfo(key.PublicKey),
            "PuTTY-User-Key-File-3: ecdsa-sha2-nistp384\nEncryption: none\nComment: c\nPublic-Lines: 1\n" + Convert.ToBase64String(key.PublicKey.Blob) + "\n",
        ];
        foreach (var seed in seeds)
        {
            Assert.Equal(key.PublicKey, PublicKeyFile.Parse(seed).Key);
            for (int n = 0; n < 300; n++)
            {
                var chars = seed.ToCharArray();
                if (n % 2 == 0) chars[rng.Next(chars.Length)] = (char)rng.Next(32, 127);
                string s = new string(chars)[..rng.Next(chars.Length + 1)];
                try { PublicKeyFile.Parse(s); }
                catch (SshKeyFormatException) { }
            }
        }
    }
}
