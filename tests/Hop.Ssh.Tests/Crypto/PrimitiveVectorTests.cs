using Hop.Ssh.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;

namespace Hop.Ssh.Tests.Crypto;

public class PrimitiveVectorTests
{
    private const string Sp80038aPlaintext =
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";

    /// <summary>NIST SP 800-38A F.5.1, F.5.3, F.5.5 (CTR-AES128/192/256.Encrypt).</summary>
    [Theory]
    [InlineData("2b7e151628aed2a6abf7158809cf4f3c", "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee")]
    [InlineData("8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", "1abc932417521ca24f2b0459fe7e6e0b090339ec0aa6faefd5ccc2c6f4ce8e941e36b26bd1ebc670d1bd1d665620abf74f78a7f6d29809585a97daec58c6b050")]
    [InlineData("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c52b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6")]
    public void AesCtrMatchesSp80038a(string key, string ciphertext)
    {
        using var ctr = new AesCtrKeystream(Convert.FromHexString(key), Convert.FromHexString("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"));
        byte[] data = Convert.FromHexString(Sp80038aPlaintext);
        ctr.Apply(data.AsSpan(0, 7)); // uneven pieces: the keystream carries over
        ctr.Apply(data.AsSpan(7, 30));
        ctr.Apply(data.AsSpan(37));
        Assert.Equal(ciphertext, Convert.ToHexStringLower(data));
    }

    /// <summary>
    /// Counters that carry from the low into the high 64 bits inside the first batch, exactly at
    /// the end of one (16 KiB = 1024 blocks), one block after it, and a counter that wraps to zero.
    /// </summary>
    [Theory]
    [InlineData("0000000000000000fffffffffffffffe")]
    [InlineData("0000000000000007fffffffffffffbff")]
    [InlineData("0000000000000007fffffffffffffc00")]
    [InlineData("00000000000000000000000000000000")]
    [InlineData("ffffffffffffffffffffffffffffff00")]
    public void AesCtrStreamsAcrossBatchesLikeBouncyCastle(string ivHex)
    {
        byte[] key = ProtectorTestKit.Pattern(32, 9, 4);
        byte[] iv = Convert.FromHexString(ivHex);
        byte[] data = ProtectorTestKit.Pattern(100_003, 17, 3);
        var reference = new byte[data.Length];
        var sic = new SicBlockCipher(new AesEngine());
        sic.Init(true, new ParametersWithIV(new KeyParameter(key), iv));
        var bc = new BufferedBlockCipher(sic);
        int n = bc.ProcessBytes(data, 0, data.Length, reference, 0);
        bc.DoFinal(reference, n);

        using var ctr = new AesCtrKeystream(key, iv);
        var random = new Random(5);
        for (int at = 0; at < data.Length;)
        {
            int piece = Math.Min(random.Next(1, 40_000), data.Length - at);
            ctr.Apply(data.AsSpan(at, piece));
            at += piece;
        }
        Assert.Equal(reference, data);
    }

    /// <summary>RFC 4231 test cases 1 and 2; the first four data bytes stand in for the sequence number.</summary>
    [Theory]
    [InlineData("hmac-sha2-256", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")]
    [InlineData("hmac-sha2-512", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265", "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854")]
    [InlineData("hmac-sha2-256", "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")]
    [InlineData("hmac-sha2-512", "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f", "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737")]
    public void HmacMatchesRfc4231(string macName, string key, string data, string expected)
    {
        var algorithm = MacAlgorithms.Get(macName);
        byte[] k = Convert.FromHexString(key);
        // PacketMac takes exactly KeySize bytes (as SSH derives them); RFC 4231's keys are shorter,
        // and HMAC zero-pads short keys, so padding with zeros gives the same MAC.
        byte[] padded = new byte[algorithm.KeySize];
        k.CopyTo(padded, 0);
        using var mac = new PacketMac(algorithm, padded);
        byte[] d = Convert.FromHexString(data);
        uint seq = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(d);
        var tag = new byte[mac.TagLength];
        mac.Compute(seq, d.AsSpan(4), tag);
        Assert.Equal(expected, Convert.ToHexStringLower(tag));
        Assert.True(mac.Verify(seq, d.AsSpan(4), tag));
        tag[0] ^= 1;
        Assert.False(mac.Verify(seq, d.AsSpan(4), tag));
    }
}
