using System.Security.Cryptography;
using Hop.Ssh.Keys;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Tests.Keys;

/// <summary>The KRL reader on lists built here by PROTOCOL.krl's layout (ssh-keygen -k's lists: RevokedHostKeysTests).</summary>
public class KeyRevocationListTests
{
    private static readonly Ed25519PrivateKey Ca = Ed25519PrivateKey.Generate();
    private static readonly SshPublicKey HostKey = Ed25519PrivateKey.Generate().PublicKey;

    private static SshCertificate Cert(ulong serial, string keyId = "host") =>
        new CertificateBuilder { Key = HostKey, Type = SshCertificateType.Host, Serial = serial, KeyId = keyId, ValidPrincipals = ["h"] }.Sign(Ca);

    private delegate void SectionWriter(ref SshWriter w);

    private static byte[] Krl(params (byte Type, SectionWriter Write)[] sections)
    {
        using var buffer = new SshBuffer();
        var w = buffer.Writer;
        w.WriteRaw("SSHKRL\n\0"u8);
        w.WriteUInt32(1);
        w.WriteUInt64(1);
        w.WriteUInt64(0);
        w.WriteUInt64(0);
        w.WriteString(""u8);
        w.WriteString("test"u8);
        foreach (var (type, write) in sections)
        {
            using var section = new SshBuffer();
            var sw = section.Writer;
            write(ref sw);
            w.WriteByte(type);
            w.WriteString(section.WrittenSpan);
        }
        return buffer.ToArray();
    }

    private static (byte, SectionWriter) Certificates(byte type, SectionWriter entries) => (1, (ref SshWriter w) =>
    {
        w.WriteString(Ca.PublicKey.Blob);
        w.WriteString(""u8);
        using var part = new SshBuffer();
        var pw = part.Writer;
        entries(ref pw);
        w.WriteByte(type);
        w.WriteString(part.WrittenSpan);
    });

    [Fact]
    public void Serial_bitmaps_ranges_and_key_ids_revoke_certificates_of_their_CA_only()
    {
        // Bitmap from 40: bits 2 and 5 are 42 and 45.
        var krl = KeyRevocationList.Parse(Krl(
            Certificates(0x22, (ref SshWriter w) => { w.WriteUInt64(40); w.WriteMpint([0b0010_0100]); }),
            Certificates(0x21, (ref SshWriter w) => { w.WriteUInt64(100); w.WriteUInt64(200); }),
            Certificates(0x23, (ref SshWriter w) => w.WriteString("old host"))));
        Assert.True(krl.IsRevoked(Cert(42)));
        Assert.True(krl.IsRevoked(Cert(45)));
        Assert.False(krl.IsRevoked(Cert(43)));
        Assert.False(krl.IsRevoked(Cert(40)));
        Assert.True(krl.IsRevoked(Cert(150)));
        Assert.False(krl.IsRevoked(Cert(201)));
        Assert.True(krl.IsRevoked(Cert(7, "old host")));
        Assert.False(krl.IsRevoked(HostKey));
        var otherCa = Ed25519PrivateKey.Generate();
        var elsewhere = new CertificateBuilder { Key = HostKey, Type = SshCertificateType.Host, Serial = 42, ValidPrincipals = ["h"] }.Sign(otherCa);
        Assert.False(krl.IsRevoked(elsewhere));
    }

    [Fact]
    public void Hashes_and_keys_are_of_the_plain_key_and_reach_its_certificates()
    {
        var bySha256 = KeyRevocationList.Parse(Krl((5, (ref SshWriter w) => w.WriteString(SHA256.HashData(HostKey.Blob)))));
        Assert.True(bySha256.IsRevoked(HostKey));
        Assert.True(bySha256.IsRevoked(Cert(1)));
        var byCaKey = KeyRevocationList.Parse(Krl((2, (ref SshWriter w) => w.WriteString(Ca.PublicKey.Blob))));
        Assert.True(byCaKey.IsRevoked(Cert(1)));
        Assert.False(byCaKey.IsRevoked(HostKey));
    }

    [Fact]
    public void Malformed_lists_are_format_errors()
    {
        byte[] good = Krl((3, (ref SshWriter w) => w.WriteString(SHA1.HashData(HostKey.Blob))));
        Assert.True(KeyRevocationList.IsKrl(good));
        const int header = 48; // magic, version, three uint64s, reserved and "test": a whole list with no sections
        for (int cut = 8; cut < good.Length; cut++)
        {
            if (cut == header) continue;
            Assert.Throws<SshKeyFormatException>(() => KeyRevocationList.Parse(good.AsSpan(0, cut)));
        }
        Assert.Throws<SshKeyFormatException>(() => KeyRevocationList.Parse(Krl((9, (ref SshWriter w) => w.WriteUInt32(0)))));
        Assert.Throws<SshKeyFormatException>(() => KeyRevocationList.Parse(Krl(Certificates(0x21, (ref SshWriter w) => w.WriteUInt64(1)))));
    }
}
