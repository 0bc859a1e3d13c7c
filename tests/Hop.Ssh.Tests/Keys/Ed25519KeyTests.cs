using Hop.Ssh.Keys;
using Hop.Ssh.Wire;
using Xunit;
using Rfc8032 = Org.BouncyCastle.Math.EC.Rfc8032.Ed25519;

namespace Hop.Ssh.Tests.Keys;

public class Ed25519KeyTests
{
    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(3, 1000)]
    public void SignaturesAndPublicKeysAreThoseOfBouncyCastlesRfc8032(int seedByte, int messageLength)
    {
        // Ed25519 is deterministic: libsodium (which Hop uses) and BouncyCastle's RFC 8032 code must
        // derive the same public key and the same signature from the same seed and message.
        byte[] seed = Enumerable.Range(0, 32).Select(i => (byte)(i * 7 + seedByte)).ToArray();
        byte[] message = Enumerable.Range(0, messageLength).Select(i => (byte)(i * 13 + seedByte)).ToArray();
        using var key = new Ed25519PrivateKey(seed);

        var pk = new byte[32];
        Rfc8032.GeneratePublicKey(seed, 0, pk, 0);
        Assert.Equal(pk, ((Ed25519PublicKey)key.PublicKey).Key.ToArray());

        var expected = new byte[64];
        Rfc8032.Sign(seed, 0, message, 0, message.Length, expected, 0);
        var r = new SshReader(key.Sign(message));
        Assert.Equal("ssh-ed25519", r.ReadName());
        Assert.Equal(expected, r.ReadString(64).ToArray());
        Assert.True(key.PublicKey.Verify(message, key.Sign(message)));
    }

    [Fact]
    public void VerifyRejectsATamperedMessageOrSignatureAndAWrongLength()
    {
        using var key = new Ed25519PrivateKey(new byte[32]);
        byte[] message = "tamper"u8.ToArray();
        byte[] blob = key.Sign(message);
        Assert.True(key.PublicKey.Verify(message, blob));
        Assert.False(key.PublicKey.Verify("tampeR"u8, blob));
        blob[^1] ^= 0x40;
        Assert.False(key.PublicKey.Verify(message, blob));
        using var shortSig = new SshBuffer(128);
        var w = shortSig.Writer;
        w.WriteString("ssh-ed25519");
        w.WriteString(new byte[63]);
        Assert.False(key.PublicKey.Verify(message, shortSig.ToArray()));
    }

    [Fact]
    public void ASeedWhosePublicKeyDiffersIsRefused()
    {
        var other = new byte[32];
        other[0] = 1;
        Assert.Throws<SshKeyFormatException>(() => new Ed25519PrivateKey(new byte[32], other));
    }
}
