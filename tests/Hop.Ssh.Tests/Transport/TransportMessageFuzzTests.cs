using System.Text;
using Hop.Ssh.Keys;
using Hop.Ssh.Transport.Messages;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Tests.Transport;

/// <summary>
/// What a hostile server sends before and during the key exchange, damaged: transport messages, host
/// key blobs (plain and certificates of every key type) and host key signatures, cut short,
/// lengthened, bit-flipped or with a field set to an extreme. Reading them gives the message, or an
/// <see cref="SshException"/> (protocol or key format); a signature check says yes or no. Nothing
/// else, such as an index, overflow or cryptography exception from below.
/// </summary>
public class TransportMessageFuzzTests
{
    private const int Rounds = 1000;
    private static readonly byte[] SignedData = Encoding.ASCII.GetBytes("exchange hash");

    private static readonly SshPrivateKey[] HostKeys =
    [
        Ed25519PrivateKey.Generate(),
        KeyGeneration.Generate("ecdsa", 256),
        KeyGeneration.Generate("ecdsa", 384),
        KeyGeneration.Generate("ecdsa", 521),
        KeyGeneration.Generate("rsa", 2048),
    ];

    public static TheoryData<string> Messages() => ["disconnect", "debug", "ext-info", "kexinit", "ecdh-reply", "gex-group", "unimplemented", "service-accept"];

    [Theory]
    [MemberData(nameof(Messages))]
    public void DamagedMessagesGiveTheMessageOrAnSshException(string kind)
    {
        var rng = new Random(kind.GetHashCode(StringComparison.Ordinal) ^ 20261207);
        byte[] valid = Template(kind);
        Read(kind, valid);
        for (int i = 0; i < Rounds; i++)
        {
            byte[] damaged = Mutate(valid, rng);
            var e = Record.Exception(() => Read(kind, damaged));
            Assert.True(e is null or SshException, $"{kind} {Convert.ToHexString(damaged)}: {e}");
        }
    }

    public static TheoryData<int, bool> Keys()
    {
        var data = new TheoryData<int, bool>();
        for (int i = 0; i < HostKeys.Length; i++)
        {
            data.Add(i, false);
            data.Add(i, true);
        }
        return data;
    }

    /// <summary>A host key blob (or a host certificate for it), damaged, parses or is a key format error; its signature, damaged, verifies false or is one.</summary>
    [Theory]
    [MemberData(nameof(Keys))]
    public void DamagedHostKeysAndSignaturesAreRefusedCleanly(int key, bool certificate)
    {
        var rng = new Random(key * 2 + (certificate ? 1 : 0));
        var hostKey = HostKeys[key];
        SshPublicKey publicKey = certificate
            ? new CertificateBuilder { Key = hostKey.PublicKey, Type = SshCertificateType.Host, KeyId = "fuzz", ValidPrincipals = ["host"] }.Sign(HostKeys[0])
            : hostKey.PublicKey;
        byte[] blob = Blob(publicKey);
        byte[] signature = hostKey.Sign(SignedData);
        Assert.True(SshPublicKey.FromBlob(blob).Verify(SignedData, signature));
        for (int i = 0; i < Rounds; i++)
        {
            byte[] damagedBlob = Mutate(blob, rng);
            var e = Record.Exception(() => SshPublicKey.FromBlob(damagedBlob).Verify(SignedData, signature));
            Assert.True(e is null or SshException, $"blob {Convert.ToHexString(damagedBlob)}: {e}");
            byte[] damagedSignature = Mutate(signature, rng);
            bool verified = false;
            e = Record.Exception(() => verified = publicKey.Verify(SignedData, damagedSignature));
            Assert.True(e is null or SshException, $"signature {Convert.ToHexString(damagedSignature)}: {e}");
            if (verified) Assert.Equal(signature, damagedSignature);
        }
    }

    private static void Read(string kind, byte[] payload)
    {
        switch (kind)
        {
            case "disconnect": DisconnectMessage.Read(payload); break;
            case "debug": DebugMessage.Read(payload); break;
            case "ext-info": ExtInfoMessage.Read(payload); break;
            case "kexinit": KexInitMessage.Read(payload); break;
            case "ecdh-reply":
                {
                    var reply = KexEcdhReplyMessage.Read(payload);
                    SshPublicKey.FromBlob(reply.HostKey).Verify(SignedData, reply.Signature);
                    break;
                }
            case "gex-group": KexDhGexGroupMessage.Read(payload); break;
            case "unimplemented": UnimplementedMessage.Read(payload); break;
            default: ServiceMessage.Read(payload); break;
        }
    }

    private static byte[] Template(string kind)
    {
        using var b = new SshBuffer();
        var w = b.Writer;
        switch (kind)
        {
            case "disconnect": new DisconnectMessage(11, "go away", "en").Write(ref w); break;
            case "debug": new DebugMessage(true, "hello").Write(ref w); break;
            case "ext-info": new ExtInfoMessage([("server-sig-algs", Encoding.ASCII.GetBytes("ssh-ed25519,rsa-sha2-256")), ("publickey-hostbound@openssh.com", "0"u8.ToArray())]).Write(ref w); break;
            case "kexinit":
                new KexInitMessage
                {
                    KexAlgorithms = ["curve25519-sha256", "kex-strict-s-v00@openssh.com"],
                    ServerHostKeyAlgorithms = ["ssh-ed25519"],
                    EncryptionClientToServer = ["aes128-gcm@openssh.com"],
                    EncryptionServerToClient = ["aes128-gcm@openssh.com"],
                    MacClientToServer = ["hmac-sha2-256"],
                    MacServerToClient = ["hmac-sha2-256"],
                }.Write(ref w);
                break;
            case "ecdh-reply": new KexEcdhReplyMessage(Blob(HostKeys[0].PublicKey), new byte[32], HostKeys[0].Sign(SignedData)).Write(ref w); break;
            case "gex-group": new KexDhGexGroupMessage([0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x61], [2]).Write(ref w); break;
            case "unimplemented": new UnimplementedMessage(7).Write(ref w); break;
            default: new ServiceMessage(MessageNumbers.ServiceAccept, "ssh-userauth").Write(ref w); break;
        }
        return b.WrittenSpan.ToArray();
    }

    private static byte[] Blob(SshPublicKey key)
    {
        using var b = new SshBuffer();
        var w = b.Writer;
        key.WriteBlob(ref w);
        return b.WrittenSpan.ToArray();
    }

    /// <summary>Damaged anywhere; an extreme value often in the first or second field (a count, a length, a code).</summary>
    private static byte[] Mutate(byte[] valid, Random rng) => Damage.Apply(valid, rng, keep: 0, fields: [1, 5]);
}
