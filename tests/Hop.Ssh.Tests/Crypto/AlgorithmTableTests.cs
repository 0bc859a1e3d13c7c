using Hop.Ssh.Crypto;

namespace Hop.Ssh.Tests.Crypto;

public class AlgorithmTableTests
{
    [Fact]
    public void DefaultsAreOpenSsh10sOrder()
    {
        Assert.Equal(
        [
            "mlkem768x25519-sha256", "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com",
            "curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384",
            "ecdh-sha2-nistp521", "diffie-hellman-group-exchange-sha256", "diffie-hellman-group16-sha512",
            "diffie-hellman-group18-sha512", "diffie-hellman-group14-sha256",
        ], KexAlgorithms.Default);
        Assert.Equal(
        [
            "chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
            "aes128-ctr", "aes192-ctr", "aes256-ctr",
        ], CipherAlgorithms.Default);
        Assert.Equal(
            ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512"],
            MacAlgorithms.Default);
        Assert.Equal(
        [
            "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
            "rsa-sha2-512", "rsa-sha2-256",
        ], HostKeyAlgorithms.Default);
    }

    [Fact]
    public void DefaultsAreSupportedAndNoneIsInsecure()
    {
        Assert.All(CipherAlgorithms.Default, n => Assert.False(CipherAlgorithms.Get(n).IsInsecure));
        Assert.All(MacAlgorithms.Default, n => Assert.False(MacAlgorithms.Get(n).IsInsecure));
        Assert.All(KexAlgorithms.Default, n => Assert.False(KexAlgorithms.Get(n).IsInsecure));
        Assert.All(HostKeyAlgorithms.Default, n => Assert.False(HostKeyAlgorithms.Get(n).IsInsecure));
        Assert.True(MacAlgorithms.Get("hmac-sha1").IsInsecure);
        Assert.True(MacAlgorithms.Get("hmac-sha1-etm@openssh.com").IsInsecure);
        Assert.True(HostKeyAlgorithms.Get("ssh-rsa").IsInsecure);
        Assert.Equal(CipherAlgorithms.SupportedNames.Count, CipherAlgorithms.SupportedNames.Distinct().Count());
        Assert.Null(CipherAlgorithms.Find("aes128-cbc"));
        Assert.Throws<SshException>(() => MacAlgorithms.Get("umac-64@openssh.com"));
    }

    [Fact]
    public void FactsMatchTheRfcs()
    {
        Assert.Equal((64, 0, 8, true), Facts(CipherAlgorithms.ChaCha20Poly1305));
        Assert.Equal((16, 12, 16, true), Facts(CipherAlgorithms.Aes128Gcm));
        Assert.Equal((32, 12, 16, true), Facts(CipherAlgorithms.Aes256Gcm));
        Assert.Equal((24, 16, 16, false), Facts(CipherAlgorithms.Aes192Ctr));
        Assert.Equal((64, 64, true), (MacAlgorithms.HmacSha512Etm.KeySize, MacAlgorithms.HmacSha512Etm.TagLength, MacAlgorithms.HmacSha512Etm.IsEncryptThenMac));
        Assert.Equal((20, 20, false), (MacAlgorithms.InsecureHmacSha1.KeySize, MacAlgorithms.InsecureHmacSha1.TagLength, MacAlgorithms.InsecureHmacSha1.IsEncryptThenMac));
        Assert.Equal("ssh-rsa", HostKeyAlgorithms.Get("rsa-sha2-512").KeyType);
        Assert.Equal("ssh-rsa", HostKeyAlgorithms.Get("rsa-sha2-256").KeyType);
        Assert.True(KexAlgorithms.DiffieHellmanGroupExchangeSha256.IsGroupExchange);
        Assert.Throws<InvalidOperationException>(() => KexAlgorithms.DiffieHellmanGroupExchangeSha256.Create());
        foreach (var k in KexAlgorithms.Supported)
        {
            string expectedHash = k.Name.Contains("sha512", StringComparison.Ordinal) ? "SHA512"
                : k.Name.EndsWith("nistp384", StringComparison.Ordinal) ? "SHA384"
                : k.Name.EndsWith("nistp521", StringComparison.Ordinal) ? "SHA512" : "SHA256";
            Assert.Equal(expectedHash, k.Hash.Name);
        }
    }

    private static (int, int, int, bool) Facts(CipherAlgorithm c) => (c.KeySize, c.IvSize, c.BlockSize, c.IsAead);

    [Fact]
    public void CreateChecksItsArguments()
    {
        var ctr = CipherAlgorithms.Aes128Ctr;
        Assert.Throws<ArgumentException>(() => ctr.Create(new byte[15], new byte[16], MacAlgorithms.HmacSha256, new byte[32]));
        Assert.Throws<ArgumentException>(() => ctr.Create(new byte[16], new byte[15], MacAlgorithms.HmacSha256, new byte[32]));
        Assert.Throws<ArgumentException>(() => ctr.Create(new byte[16], new byte[16], null, default));
        Assert.Throws<ArgumentException>(() => ctr.Create(new byte[16], new byte[16], MacAlgorithms.HmacSha256, new byte[31]));
        // Longer derived material is cut to size; an AEAD ignores the MAC.
        using var gcm = CipherAlgorithms.Aes256Gcm.Create(new byte[64], new byte[64], MacAlgorithms.HmacSha256, new byte[1]);
        Assert.Equal(16, gcm.TagLength);
    }
}
