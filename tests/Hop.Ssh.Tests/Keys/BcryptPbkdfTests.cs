using System.Text;
using Hop.Ssh.Keys.Formats;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;

namespace Hop.Ssh.Tests.Keys;

public class BcryptPbkdfTests
{
    // OpenBSD's bcrypt_pbkdf regression vectors (as republished by the RustCrypto bcrypt-pbkdf tests).
    [Theory]
    [InlineData("password", "salt", 4, "5bbf0cc293587f1c3635555c27796598d47e579071bf427e9d8fbe842aba34d9")]
    [InlineData("password", "\0", 4, "c12b566235eee04c212598970a579a67")]
    [InlineData("\0", "salt", 4, "6051be18c2f4f82cbf0efee5471b4bb9")]
    [InlineData("password\0", "salt\0", 4, "7410e44cf4fa07bfaac8a928b1727fac001375e7bf7384370f48efd121743050")]
    public void PublishedVectors(string password, string salt, int rounds, string expectedHex)
    {
        var expected = Convert.FromHexString(expectedHex);
        var output = new byte[expected.Length];
        BcryptPbkdf.DeriveKey(Encoding.ASCII.GetBytes(password), Encoding.ASCII.GetBytes(salt), rounds, output);
        Assert.Equal(expectedHex, Convert.ToHexStringLower(output));
    }

    [Fact]
    public void BlowfishStateMatchesBouncyCastle()
    {
        var rng = new Random(1);
        for (int n = 0; n < 20; n++)
        {
            var key = new byte[rng.Next(4, 57)];
            rng.NextBytes(key);
            var block = new byte[8];
            rng.NextBytes(block);
            var bc = new BlowfishEngine();
            bc.Init(true, new KeyParameter(key));
            var expected = new byte[8];
            bc.ProcessBlock(block, 0, expected, 0);
            var ours = new EksBlowfish();
            ours.SetKey(key);
            ours.EncryptBlock(block);
            Assert.Equal(expected, block);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void RejectsBadRounds(int rounds) =>
        Assert.Throws<SshKeyFormatException>(() => BcryptPbkdf.DeriveKey("a"u8, "b"u8, rounds, new byte[16]));
}
