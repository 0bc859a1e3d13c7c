using Hop.Ssh.Keys.Formats;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;

namespace Hop.Ssh.Tests.Keys;

public class Argon2Tests
{
    // RFC 9106 §5.1–5.3: password 32×01, salt 16×02, secret 8×03, associated data 12×04, 32 KiB, 3 passes, 4 lanes.
    [Theory]
    [InlineData(0, "512b391b6f1162975371d30919734294f868e3be3984f3c1a13a4db9fabe4acb")]
    [InlineData(1, "c814d9d1dc7f37aa13f0d77f2494bda1c8de6b016dd388d29952a4c4672b6ce8")]
    [InlineData(2, "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659")]
    public void Rfc9106Vectors(int type, string expected)
    {
        var p = new Argon2Parameters.Builder(type)
            .WithVersion(Argon2Parameters.Version13)
            .WithSalt(Enumerable.Repeat((byte)2, 16).ToArray())
            .WithSecret(Enumerable.Repeat((byte)3, 8).ToArray())
            .WithAdditional(Enumerable.Repeat((byte)4, 12).ToArray())
            .WithMemoryAsKB(32)
            .WithIterations(3)
            .WithParallelism(4)
            .Build();
        var gen = new Argon2BytesGenerator();
        gen.Init(p);
        var tag = new byte[32];
        gen.GenerateBytes(Enumerable.Repeat((byte)1, 32).ToArray(), tag);
        Assert.Equal(expected, Convert.ToHexStringLower(tag));
    }

    [Fact]
    public void PpkWrapperMatchesTheGeneratorWithoutSecretOrAd()
    {
        byte[] salt = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();
        var p = new Argon2Parameters.Builder(Argon2Parameters.Argon2id).WithVersion(Argon2Parameters.Version13)
            .WithSalt(salt).WithMemoryAsKB(64).WithIterations(2).WithParallelism(1).Build();
        var gen = new Argon2BytesGenerator();
        gen.Init(p);
        var expected = new byte[80];
        gen.GenerateBytes("pw"u8.ToArray(), expected);
        Assert.Equal(expected, PpkKeyFile.Argon2("Argon2id", "pw"u8, salt, 64, 2, 1, 80));
        Assert.NotEqual(expected, PpkKeyFile.Argon2("Argon2i", "pw"u8, salt, 64, 2, 1, 80));
    }

    [Fact]
    public void EvpBytesToKeyMatchesOpenSslDefinition()
    {
        // D1 = MD5(pass||salt), D2 = MD5(D1||pass||salt): key of 24 bytes = D1 || D2[..8].
        byte[] salt = [1, 2, 3, 4, 5, 6, 7, 8];
        byte[] d1 = System.Security.Cryptography.MD5.HashData([.. "pw"u8, .. salt]);
        byte[] d2 = System.Security.Cryptography.MD5.HashData([.. d1, .. "pw"u8, .. salt]);
        Assert.Equal([.. d1, .. d2[..8]], PemPrivateKey.BytesToKey("pw"u8, salt, 24));
    }
}
