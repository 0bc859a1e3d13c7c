using System.Security.Cryptography;
using Hop.Ssh.Crypto;

namespace Hop.Ssh.Tests.Crypto;

public class KeyDerivationTests
{
    /// <summary>Reference output of AsyncSSH 2.10's Kex.compute_key (RFC 4253 §7.2) for letter 'C'.</summary>
    [Theory]
    [InlineData("SHA256", 100, "cbb9f75e03793129c0238f1004495ed2ab147a3cbe319a987fe6dbd449cae659d854363c13ed3d6d263e65b782bec14a43239f90e1f53863074e1a29786d5e5ab934e4d792122556fd3ec5019b980a434b6b747fe98d04d949c75db93d2da16b36349afd")]
    [InlineData("SHA512", 64, "ddd00aa13abc4793152d4d0d5e481b5d5f1a0dad9db32c4dbdd4ba5ceb0d47163f6920c2950c7c16e976d1819f8c1b362fde97390ef24147b384a1c2d3a0e6cd")]
    [InlineData("SHA512", 150, "ddd00aa13abc4793152d4d0d5e481b5d5f1a0dad9db32c4dbdd4ba5ceb0d47163f6920c2950c7c16e976d1819f8c1b362fde97390ef24147b384a1c2d3a0e6cddc70469ef1321333fcf94d69e554d3b58965c7e7e8c412ff9a95735457cb0fcf18ad01e20745851fa5b28e8e175182afc7847545b52f098e80693c5426e0ae08fd9ed0eae365755c7d1a0395ef77e986d44559d570ef")]
    public void MatchesAsyncSsh(string hash, int length, string expected)
    {
        byte[] kMagnitude = ProtectorTestKit.Pattern(33, 13, 200);
        byte[] encodedK = SharedSecretEncoding.Mpint(kMagnitude);
        Assert.Equal(0, encodedK[4]); // high bit set: the mpint carries a sign byte
        byte[] h = ProtectorTestKit.Pattern(32, 7, 1);
        byte[] sessionId = ProtectorTestKit.Pattern(32, 11, 5);
        byte[] key = KeyDerivation.Derive(new HashAlgorithmName(hash), encodedK, h, 'C', sessionId, length);
        Assert.Equal(expected, Convert.ToHexStringLower(key));
    }

    [Fact]
    public void LettersAndSessionIdMatter()
    {
        byte[] k = SharedSecretEncoding.Mpint([1, 2, 3]);
        byte[] h = new byte[32], s = new byte[32];
        s[0] = 1;
        byte[] a = KeyDerivation.Derive(HashAlgorithmName.SHA256, k, h, 'A', h, 16);
        Assert.NotEqual(a, KeyDerivation.Derive(HashAlgorithmName.SHA256, k, h, 'B', h, 16));
        Assert.NotEqual(a, KeyDerivation.Derive(HashAlgorithmName.SHA256, k, h, 'A', s, 16));
        Assert.Equal(a, KeyDerivation.Derive(HashAlgorithmName.SHA256, k, h, 'A', h, 40)[..16]);
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyDerivation.Derive(HashAlgorithmName.SHA256, k, h, 'G', h, 16));
    }
}
