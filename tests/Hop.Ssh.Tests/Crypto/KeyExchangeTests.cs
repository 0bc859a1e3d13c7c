using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using Hop.Ssh.Crypto;

namespace Hop.Ssh.Tests.Crypto;

public class KeyExchangeTests
{
    public static TheoryData<string> FixedKexNames()
    {
        var data = new TheoryData<string>();
        foreach (var k in KexAlgorithms.Supported) if (!k.IsGroupExchange) data.Add(k.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(FixedKexNames))]
    public void RespondAndDeriveAgreeOnK(string name)
    {
        var algorithm = KexAlgorithms.Get(name);
        using var client = algorithm.Create();
        using var server = algorithm.Create();
        Assert.Equal(algorithm.Hash, client.Hash);
        var (serverPublic, serverK) = server.Respond(client.ClientPublic);
        byte[] clientK = client.DeriveSharedSecret(serverPublic);
        Assert.Equal(serverK, clientK);
        AssertEncodedK(clientK, algorithm.IsPostQuantum, algorithm.Hash);

        // A second client gets a different secret.
        using var other = algorithm.Create();
        Assert.NotEqual(clientK, other.DeriveSharedSecret(server.Respond(other.ClientPublic).ServerPublic));
    }

    [Fact]
    public void GroupExchangeRespondAndDeriveAgreeOnK()
    {
        byte[] p = DiffieHellmanKeyExchange.ToMagnitude(DiffieHellmanGroups.Group14Prime);
        using var client = DiffieHellmanGroupExchange.Create(p, [2]);
        using var server = DiffieHellmanGroupExchange.Create(p, [2]);
        Assert.Equal(HashAlgorithmName.SHA256, client.Hash);
        var (f, serverK) = server.Respond(client.ClientPublic);
        Assert.Equal(serverK, client.DeriveSharedSecret(f));
        AssertEncodedK(serverK, false, HashAlgorithmName.SHA256);
    }

    private static void AssertEncodedK(byte[] k, bool isString, HashAlgorithmName hash)
    {
        uint length = BinaryPrimitives.ReadUInt32BigEndian(k);
        Assert.Equal(k.Length - 4, (int)length);
        if (isString)
        {
            Assert.Equal(hash == HashAlgorithmName.SHA512 ? 64 : 32, (int)length);
            return;
        }
        // A minimal, non-negative mpint.
        Assert.True(length > 0);
        Assert.Equal(0, k[4] & 0x80);
        if (k[4] == 0) Assert.NotEqual(0, k[5] & 0x80);
    }

    // RFC 7748 §6.1.
    private const string AlicePrivate = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    private const string AlicePublic = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
    private const string BobPrivate = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
    private const string BobPublic = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
    private const string SharedSecret = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

    [Fact]
    public void Curve25519MatchesRfc7748AndEncodesKAsMpint()
    {
        using var alice = new Curve25519KeyExchange(Convert.FromHexString(AlicePrivate));
        using var bob = new Curve25519KeyExchange(Convert.FromHexString(BobPrivate));
        Assert.Equal(AlicePublic, Convert.ToHexStringLower(alice.ClientPublic));
        Assert.Equal(BobPublic, Convert.ToHexStringLower(bob.ClientPublic));
        byte[] expected = Convert.FromHexString("00000020" + SharedSecret);
        Assert.Equal(expected, alice.DeriveSharedSecret(Convert.FromHexString(BobPublic)));
        Assert.Equal(expected, bob.DeriveSharedSecret(Convert.FromHexString(AlicePublic)));
    }

    [Fact]
    public void X25519MatchesRfc7748Section52()
    {
        using var key = new X25519Agreement(Convert.FromHexString("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"));
        var output = new byte[32];
        key.Agree(Convert.FromHexString("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"), output);
        Assert.Equal("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552", Convert.ToHexStringLower(output));
    }

    [Fact]
    public void MpintEncodingOfKAddsASignByteAndDropsLeadingZeros()
    {
        Assert.Equal(Convert.FromHexString("0000000300ff01"), SharedSecretEncoding.Mpint([0x00, 0x00, 0xff, 0x01]));
        Assert.Equal(Convert.FromHexString("000000017f"), SharedSecretEncoding.Mpint([0x00, 0x7f]));
        Assert.Equal(Convert.FromHexString("00000000"), SharedSecretEncoding.Mpint([0x00, 0x00]));
    }

    public static TheoryData<string> LowOrderPoints() => new()
    {
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    };

    [Theory]
    [MemberData(nameof(LowOrderPoints))]
    public void Curve25519RejectsLowOrderPoints(string point)
    {
        using var client = new Curve25519KeyExchange();
        Assert.Throws<SshProtocolException>(() => client.DeriveSharedSecret(Convert.FromHexString(point)));
        Assert.Throws<SshProtocolException>(() => client.Respond(Convert.FromHexString(point)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    public void Curve25519RejectsWrongLengths(int length)
    {
        using var client = new Curve25519KeyExchange();
        Assert.Throws<SshProtocolException>(() => client.DeriveSharedSecret(new byte[length]));
    }

    [Theory]
    [InlineData("ecdh-sha2-nistp256")]
    [InlineData("ecdh-sha2-nistp384")]
    [InlineData("ecdh-sha2-nistp521")]
    public void EcdhRejectsInvalidPoints(string name)
    {
        using var client = KexAlgorithms.Get(name).Create();
        using var server = KexAlgorithms.Get(name).Create();
        byte[] good = server.ClientPublic.ToArray();
        Assert.Equal(0x04, good[0]);

        byte[] offCurve = (byte[])good.Clone();
        offCurve[^1] ^= 0x01;
        Assert.Throws<SshProtocolException>(() => client.DeriveSharedSecret(offCurve));

        byte[] compressed = (byte[])good.Clone();
        compressed[0] = 0x02;
        Assert.Throws<SshProtocolException>(() => client.DeriveSharedSecret(compressed));

        byte[] zero = new byte[good.Length];
        zero[0] = 0x04;
        Assert.Throws<SshProtocolException>(() => client.DeriveSharedSecret(zero));

        Assert.Throws<SshProtocolException>(() => client.DeriveSharedSecret(good.AsSpan(0, good.Length - 1)));
        Assert.Throws<SshProtocolException>(() => client.Respond(offCurve));
        // The good point still works.
        Assert.NotEmpty(client.DeriveSharedSecret(good));
    }

    [Fact]
    public void DiffieHellmanRejectsValuesOutOfRange()
    {
        using var client = DiffieHellmanGroups.CreateGroup14Sha256();
        BigInteger p = DiffieHellmanGroups.Group14Prime;
        foreach (BigInteger bad in new[] { BigInteger.Zero, BigInteger.One, p - 1, p, p + 1, (p << 8) + 5 })
        {
            byte[] magnitude = DiffieHellmanKeyExchange.ToMagnitude(bad);
            Assert.Throws<SshProtocolException>(() => client.DeriveSharedSecret(magnitude));
            Assert.Throws<SshProtocolException>(() => client.Respond(magnitude));
        }
        // 2 and p-2 are the edges that pass.
        client.DeriveSharedSecret(DiffieHellmanKeyExchange.ToMagnitude(new BigInteger(2)));
        client.DeriveSharedSecret(DiffieHellmanKeyExchange.ToMagnitude(p - 2));
    }

    [Fact]
    public void DiffieHellmanPublicValueIsMpintContentInRange()
    {
        using var client = DiffieHellmanGroups.CreateGroup16Sha512();
        var e = new BigInteger(client.ClientPublic, isUnsigned: true, isBigEndian: true);
        Assert.True(e > BigInteger.One && e < DiffieHellmanGroups.Group16Prime - 1);
        // The content of an mpint: a zero byte only when the top bit of the next is set.
        if (client.ClientPublic[0] == 0) Assert.NotEqual(0, client.ClientPublic[1] & 0x80);
        else Assert.Equal(0, client.ClientPublic[0] & 0x80);
        Assert.Equal(4096, client.ModulusBits);
    }

    [Fact]
    public void GroupExchangeValidatesTheServersGroup()
    {
        byte[] p14 = DiffieHellmanKeyExchange.ToMagnitude(DiffieHellmanGroups.Group14Prime);
        byte[] p1024 = DiffieHellmanKeyExchange.ToMagnitude(DiffieHellmanGroups.Group14Prime >> 1024 | BigInteger.One);
        byte[] even = DiffieHellmanKeyExchange.ToMagnitude(DiffieHellmanGroups.Group14Prime - 1);
        byte[] tooBig = DiffieHellmanKeyExchange.ToMagnitude((BigInteger.One << 8192) + 1);
        Assert.Throws<SshProtocolException>(() => DiffieHellmanGroupExchange.Create(p1024, [2]));
        Assert.Throws<SshProtocolException>(() => DiffieHellmanGroupExchange.Create(even, [2]));
        Assert.Throws<SshProtocolException>(() => DiffieHellmanGroupExchange.Create(tooBig, [2]));
        Assert.Throws<SshProtocolException>(() => DiffieHellmanGroupExchange.Create(p14, [1]));
        Assert.Throws<SshProtocolException>(() => DiffieHellmanGroupExchange.Create(p14, []));
        Assert.Throws<SshProtocolException>(() => DiffieHellmanGroupExchange.Create(p14, DiffieHellmanKeyExchange.ToMagnitude(DiffieHellmanGroups.Group14Prime - 1)));
        Assert.Throws<SshProtocolException>(() => DiffieHellmanGroupExchange.Create(p14, [2], minBits: 3072));
        using var ok = DiffieHellmanGroupExchange.Create(p14, [2]);
        Assert.Equal(2048, ok.ModulusBits);
        Assert.Equal(2048, DiffieHellmanGroupExchange.PreferredBits(14));
        Assert.Equal(3072, DiffieHellmanGroupExchange.PreferredBits(16));
        Assert.Equal(7680, DiffieHellmanGroupExchange.PreferredBits(24));
        Assert.Equal(8192, DiffieHellmanGroupExchange.PreferredBits(64));
    }

    [Theory]
    [InlineData(2048)]
    [InlineData(4096)]
    [InlineData(8192)]
    public void Rfc3526GroupsLookRight(int bits)
    {
        BigInteger p = bits switch
        {
            2048 => DiffieHellmanGroups.Group14Prime,
            4096 => DiffieHellmanGroups.Group16Prime,
            _ => DiffieHellmanGroups.Group18Prime,
        };
        Assert.Equal(bits, (int)p.GetBitLength());
        byte[] m = DiffieHellmanKeyExchange.ToMagnitude(p);
        // RFC 3526: p = 2^n - 2^(n-64) - 1 + 2^64 * ([2^(n-130) pi] + k): 64 one bits at each end,
        // and the binary digits of pi after them.
        Assert.Equal("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74", Convert.ToHexString(m.AsSpan(0, 32)));
        Assert.Equal("FFFFFFFFFFFFFFFF", Convert.ToHexString(m.AsSpan(m.Length - 8)));
        if (bits == 2048)
        {
            var bc = new Org.BouncyCastle.Math.BigInteger(1, m);
            Assert.True(bc.IsProbablePrime(2));
            Assert.True(bc.ShiftRight(1).IsProbablePrime(2)); // a safe prime
        }
    }

    [Fact]
    public void HybridsRejectWrongLengthsAndLowOrderX25519()
    {
        foreach (var algorithm in new[] { KexAlgorithms.MlKem768X25519Sha256, KexAlgorithms.Sntrup761X25519Sha512 })
        {
            using var client = algorithm.Create();
            using var server = algorithm.Create();
            byte[] reply = server.Respond(client.ClientPublic).ServerPublic;
            Assert.Throws<SshProtocolException>(() => client.DeriveSharedSecret(reply.AsSpan(1)));
            Assert.Throws<SshProtocolException>(() => client.DeriveSharedSecret([.. reply, 0]));
            Assert.Throws<SshProtocolException>(() => server.Respond(client.ClientPublic[1..]));
            byte[] lowOrder = (byte[])reply.Clone();
            lowOrder.AsSpan(lowOrder.Length - 32).Clear();
            Assert.Throws<SshProtocolException>(() => client.DeriveSharedSecret(lowOrder));
        }
    }

    [Fact]
    public void HybridSizesAreTheWireSizes()
    {
        using var mlkem = new MlKem768X25519KeyExchange();
        Assert.Equal(1184 + 32, mlkem.ClientPublic.Length);
        Assert.Equal(1088 + 32, mlkem.Respond(mlkem.ClientPublic).ServerPublic.Length);
        using var sntrup = new Sntrup761X25519KeyExchange();
        Assert.Equal(1158 + 32, sntrup.ClientPublic.Length);
        Assert.Equal(1039 + 32, sntrup.Respond(sntrup.ClientPublic).ServerPublic.Length);
    }

    [Fact]
    public void MlKemRejectsAnEncapsulationKeyWithCoefficientsAboveQ()
    {
        using var server = new MlKem768X25519KeyExchange();
        byte[] bad = new byte[1184 + 32];
        bad.AsSpan(0, 1152).Fill(0xFF); // 12-bit coefficients of 4095 >= q = 3329
        bad[^1] = 9;
        Assert.Throws<SshProtocolException>(() => server.Respond(bad));
    }

    [Fact]
    public void MlKemClientAgreesWithLibsodiumServer()
    {
        // The server side done independently: libsodium's ML-KEM-768 and X25519 through Geralt.
        using var client = new MlKem768X25519KeyExchange();
        ReadOnlySpan<byte> init = client.ClientPublic;
        var kemSecret = new byte[32];
        var ciphertext = new byte[Geralt.MLKEM768.CiphertextSize];
        Geralt.MLKEM768.Encapsulate(kemSecret, ciphertext, init[..1184]);
        byte[] xPublic = new byte[32], xPrivate = new byte[32], xShared = new byte[32];
        Geralt.X25519.GenerateKeyPair(xPublic, xPrivate);
        Geralt.X25519.ComputeSharedSecret(xShared, xPrivate, init[1184..]);
        byte[] expected = ExpectedHybridK(SHA256.HashData([.. kemSecret, .. xShared]));
        Assert.Equal(expected, client.DeriveSharedSecret([.. ciphertext, .. xPublic]));
    }

    [Fact]
    public void MlKemServerAgreesWithLibsodiumClient()
    {
        byte[] kemPublic = new byte[Geralt.MLKEM768.PublicKeySize], kemPrivate = new byte[Geralt.MLKEM768.PrivateKeySize];
        Geralt.MLKEM768.GenerateKeyPair(kemPublic, kemPrivate);
        byte[] xPublic = new byte[32], xPrivate = new byte[32], xShared = new byte[32];
        Geralt.X25519.GenerateKeyPair(xPublic, xPrivate);
        using var server = new MlKem768X25519KeyExchange();
        var (reply, k) = server.Respond([.. kemPublic, .. xPublic]);
        var kemSecret = new byte[32];
        Geralt.MLKEM768.Decapsulate(kemSecret, reply.AsSpan(0, 1088), kemPrivate);
        Geralt.X25519.ComputeSharedSecret(xShared, xPrivate, reply.AsSpan(1088));
        Assert.Equal(ExpectedHybridK(SHA256.HashData([.. kemSecret, .. xShared])), k);
    }

    private static byte[] ExpectedHybridK(byte[] digest)
    {
        var k = new byte[4 + digest.Length];
        BinaryPrimitives.WriteUInt32BigEndian(k, (uint)digest.Length);
        digest.CopyTo(k, 4);
        return k;
    }
}
