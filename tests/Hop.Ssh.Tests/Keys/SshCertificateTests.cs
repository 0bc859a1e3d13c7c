using Hop.Ssh.Keys;
using Hop.Ssh.Keys.Formats;

namespace Hop.Ssh.Tests.Keys;

/// <summary>OpenSSH certificates (PROTOCOL.certkeys): build, sign, parse, verify and check.</summary>
public class SshCertificateTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    private static CertificateBuilder Builder(SshPublicKey key, SshCertificateType type = SshCertificateType.User) => new()
    {
        Key = key,
        Type = type,
        KeyId = "test id",
        Serial = 77,
        ValidPrincipals = ["alice", "bob"],
        ValidAfter = 1_700_000_000,
        ValidBefore = 1_900_000_000,
        CriticalOptions = [CertificateOption.WithString("source-address", "127.0.0.1/32"), CertificateOption.WithString("force-command", "ls")],
        Extensions = [.. CertificateOption.DefaultUserExtensions.Select(CertificateOption.Flag)],
    };

    public static TheoryData<string, string> Pairs()
    {
        var d = new TheoryData<string, string>();
        foreach (var k in TestKeys.Names)
            foreach (var ca in TestKeys.Names)
                d.Add(k, ca);
        return d;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void SignedCertificateParsesBackAndVerifies(string keyType, string caType)
    {
        using var key = TestKeys.Create(keyType);
        using var ca = TestKeys.Create(caType);
        var cert = Builder(key.PublicKey).Sign(ca);

        Assert.Equal(key.PublicKey.KeyType + "-cert-v01@openssh.com", cert.KeyType);
        var parsed = Assert.IsType<SshCertificate>(SshPublicKey.FromBlob(cert.Blob));
        Assert.True(parsed.Blob.SequenceEqual(cert.Blob));
        Assert.Equal(key.PublicKey, parsed.Key);
        Assert.Equal(ca.PublicKey, parsed.SignatureKey);
        Assert.Equal(77UL, parsed.Serial);
        Assert.Equal(SshCertificateType.User, parsed.Type);
        Assert.Equal("test id", parsed.KeyId);
        Assert.Equal(["alice", "bob"], parsed.ValidPrincipals);
        Assert.Equal(1_700_000_000UL, parsed.ValidAfter);
        Assert.Equal(1_900_000_000UL, parsed.ValidBefore);
        // Options are written sorted by name.
        Assert.Equal(["force-command", "source-address"], parsed.CriticalOptions.Select(o => o.Name));
        Assert.Equal("ls", parsed.CriticalOptions[0].StringValue);
        Assert.Equal(CertificateOption.DefaultUserExtensions, parsed.Extensions.Select(o => o.Name));
        Assert.Equal(32, parsed.Nonce.Length);
        Assert.Equal(caType == "rsa" ? "rsa-sha2-512" : ca.PublicKey.KeyType, parsed.SignatureAlgorithm);
        Assert.True(parsed.VerifySignature());
        Assert.Null(CertificateValidation.Check(parsed, SshCertificateType.User, "bob", Now));
        // The fingerprint is the plain key's, as OpenSSH.
        Assert.Equal(key.PublicKey.Fingerprint(), parsed.Fingerprint());
    }

    [Theory]
    [MemberData(nameof(TestKeys.Types), MemberType = typeof(TestKeys))]
    public void CertificateVerifiesSignaturesOfItsKey(string keyType)
    {
        using var key = TestKeys.Create(keyType);
        using var ca = TestKeys.Create("ed25519");
        var cert = Builder(key.PublicKey).Sign(ca);
        byte[] data = "session data"u8.ToArray();
        string alg = key.PublicKey.SignatureAlgorithms[0];
        byte[] sig = key.Sign(data, alg);
        Assert.True(cert.Verify(data, sig));
        Assert.True(cert.Verify(data, sig, SshCertificate.AlgorithmFor(alg)));
        Assert.False(cert.Verify("other data"u8, sig));
        using var other = TestKeys.Create(keyType == "ed25519" ? "ecdsa256" : "ed25519");
        Assert.False(cert.Verify(data, other.Sign(data)));
    }

    [Fact]
    public void EveryTamperedByteBreaksTheSignatureOrTheParse()
    {
        using var key = TestKeys.Create("ed25519");
        using var ca = TestKeys.Create("ecdsa256");
        byte[] blob = Builder(key.PublicKey).Sign(ca).Blob.ToArray();
        for (int i = 40; i < blob.Length; i += 7)
        {
            byte[] bad = (byte[])blob.Clone();
            bad[i] ^= 0x01;
            try
            {
                var cert = (SshCertificate)SshPublicKey.FromBlob(bad);
                Assert.False(cert.VerifySignature(), $"byte {i} flipped still verifies");
            }
            catch (SshKeyFormatException)
            {
            }
        }
    }

    [Fact]
    public void TruncatedAndTrailingBlobsAreRefusedCleanly()
    {
        using var key = TestKeys.Create("ed25519");
        using var ca = TestKeys.Create("ed25519");
        byte[] blob = Builder(key.PublicKey).Sign(ca).Blob.ToArray();
        for (int n = 0; n < blob.Length; n++)
            Assert.Throws<SshKeyFormatException>(() => SshPublicKey.FromBlob(blob.AsSpan(0, n)));
        Assert.Throws<SshKeyFormatException>(() => SshPublicKey.FromBlob([.. blob, 0]));
    }

    [Fact]
    public void ChainedCertificatesAreRefused()
    {
        using var key = TestKeys.Create("ed25519");
        using var ca = TestKeys.Create("ed25519");
        var caCert = Builder(ca.PublicKey).Sign(ca);
        // Build by hand a certificate whose signature key is a certificate: splice the CA blob.
        var cert = Builder(key.PublicKey).Sign(ca);
        byte[] blob = cert.Blob.ToArray();
        using var buffer = new Hop.Ssh.Wire.SshBuffer();
        var w = buffer.Writer;
        w.WriteRaw(blob.AsSpan(0, cert.SignedLength - 4 - ca.PublicKey.Blob.Length));
        w.WriteString(caCert.Blob);
        w.WriteString(ca.Sign(buffer.WrittenSpan));
        var e = Assert.Throws<SshKeyFormatException>(() => SshPublicKey.FromBlob(buffer.WrittenSpan));
        Assert.Contains("chained", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ChecksGiveOpenSshReasons()
    {
        using var key = TestKeys.Create("ed25519");
        using var ca = TestKeys.Create("ed25519");
        var user = Builder(key.PublicKey).Sign(ca);
        Assert.Equal("Certificate invalid: not a host certificate", CertificateValidation.Check(user, SshCertificateType.Host, "alice", Now));
        Assert.Equal("Certificate invalid: name is not a listed principal", CertificateValidation.Check(user, SshCertificateType.User, "carol", Now));
        Assert.Equal("Certificate invalid: not yet valid", CertificateValidation.Check(user, SshCertificateType.User, "alice", DateTimeOffset.FromUnixTimeSeconds(1_699_999_999)));
        Assert.Null(CertificateValidation.Check(user, SshCertificateType.User, "alice", DateTimeOffset.FromUnixTimeSeconds(1_700_000_000)));
        Assert.Equal("Certificate invalid: expired", CertificateValidation.Check(user, SshCertificateType.User, "alice", DateTimeOffset.FromUnixTimeSeconds(1_900_000_000)));

        var host = new CertificateBuilder { Key = key.PublicKey, Type = SshCertificateType.Host, ValidPrincipals = ["h.example"] }.Sign(ca);
        Assert.Null(CertificateValidation.Check(host, SshCertificateType.Host, "h.example", Now));
        Assert.Equal("Certificate invalid: not a user certificate", CertificateValidation.Check(host, SshCertificateType.User, "h.example", Now));
        // Host certificates know no critical options: any one refuses the certificate.
        var hostWithOption = new CertificateBuilder
        {
            Key = key.PublicKey, Type = SshCertificateType.Host, ValidPrincipals = ["h.example"],
            CriticalOptions = [CertificateOption.WithString("force-command", "x")],
        }.Sign(ca);
        Assert.Equal("Certificate contains unsupported critical options", CertificateValidation.Check(hostWithOption, SshCertificateType.Host, "h.example", Now));
        var unknown = new CertificateBuilder
        {
            Key = key.PublicKey, ValidPrincipals = ["alice"], CriticalOptions = [CertificateOption.Flag("odd@example.com")],
        }.Sign(ca);
        Assert.Contains("odd@example.com", CertificateValidation.Check(unknown, SshCertificateType.User, "alice", Now), StringComparison.Ordinal);
        // No principals: refused where a principal is required, allowed where not.
        var anyone = new CertificateBuilder { Key = key.PublicKey, Type = SshCertificateType.Host }.Sign(ca);
        Assert.Equal("Certificate lacks principal list", CertificateValidation.Check(anyone, SshCertificateType.Host, "h.example", Now));
        Assert.Null(CertificateValidation.Check(anyone, SshCertificateType.Host, "h.example", Now, requirePrincipal: false));
    }

    [Fact]
    public void RsaCaSignatureWithSha1IsRefusedByDefault()
    {
        using var key = TestKeys.Create("ed25519");
        using var ca = TestKeys.Create("rsa");
        var cert = new CertificateBuilder { Key = key.PublicKey, ValidPrincipals = ["alice"] }.Sign(ca, "ssh-rsa");
        Assert.Equal("ssh-rsa", cert.SignatureAlgorithm);
        Assert.True(cert.VerifySignature());
        Assert.Equal("Certificate signed with disallowed algorithm", CertificateValidation.Check(cert, SshCertificateType.User, "alice", Now));
        Assert.Null(CertificateValidation.Check(cert, SshCertificateType.User, "alice", Now, caSignatureAlgorithms: ["ssh-rsa"]));
        var sha256 = new CertificateBuilder { Key = key.PublicKey, ValidPrincipals = ["alice"] }.Sign(ca, "rsa-sha2-256");
        Assert.True(sha256.VerifySignature());
        Assert.Null(CertificateValidation.Check(sha256, SshCertificateType.User, "alice", Now));
    }

    [Fact]
    public void CaSignatureAlgorithmsListDecidesWhichCaSignaturesAreAccepted()
    {
        using var key = TestKeys.Create("ed25519");
        using var ca = TestKeys.Create("rsa");
        var sha512 = new CertificateBuilder { Key = key.PublicKey, ValidPrincipals = ["alice"] }.Sign(ca, "rsa-sha2-512");
        Assert.Null(CertificateValidation.Check(sha512, SshCertificateType.User, "alice", Now, caSignatureAlgorithms: ["rsa-sha2-512"]));
        Assert.Equal("Certificate signed with disallowed algorithm",
            CertificateValidation.Check(sha512, SshCertificateType.User, "alice", Now, caSignatureAlgorithms: ["ssh-ed25519", "rsa-sha2-256"]));
        // The other checks come first, as in sshkey_cert_check_host: an expired certificate says so.
        var expired = new CertificateBuilder { Key = key.PublicKey, ValidPrincipals = ["alice"], ValidBefore = 1 }.Sign(ca, "rsa-sha2-512");
        Assert.Equal("Certificate invalid: expired",
            CertificateValidation.Check(expired, SshCertificateType.User, "alice", Now, caSignatureAlgorithms: ["ssh-ed25519"]));
    }

    [Fact]
    public void CertificateLineLoadsThroughPublicKeyFile()
    {
        using var key = TestKeys.Create("rsa");
        using var ca = TestKeys.Create("ecdsa384");
        var cert = Builder(key.PublicKey).Sign(ca);
        var (loaded, comment) = PublicKeyFile.Parse(cert.ToOpenSshLine("me@host") + "\n");
        Assert.Equal(cert, loaded);
        Assert.Equal("me@host", comment);
        Assert.Equal("RSA-CERT", KeyFingerprint.TypeLabel(loaded));
        Assert.Equal("ssh-rsa", SshCertificate.PlainType(loaded.KeyType));
        Assert.Equal("rsa-sha2-512", SshCertificate.SignatureAlgorithmOf("rsa-sha2-512-cert-v01@openssh.com"));
    }

    [Fact]
    public void ValidityIsFormattedAsSshKeygen()
    {
        Assert.Equal("forever", SshCertificate.FormatValidity(0, SshCertificate.Forever));
        string t = SshCertificate.FormatTime(1_700_000_000);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$", t);
        Assert.Equal("after " + t, SshCertificate.FormatValidity(1_700_000_000, SshCertificate.Forever));
        Assert.Equal("before " + t, SshCertificate.FormatValidity(0, 1_700_000_000));
        Assert.Equal($"from {t} to {t}", SshCertificate.FormatValidity(1_700_000_000, 1_700_000_000));
    }

    [Theory]
    [InlineData("90", 90)]
    [InlineData("1h30m", 5400)]
    [InlineData("2d", 172800)]
    [InlineData("1W", 604800)]
    [InlineData("1x", -1)]
    [InlineData("", -1)]
    [InlineData("m", -1)]
    public void IntervalsAreOpenSshs(string text, long seconds) => Assert.Equal(seconds, CertificateValidity.ParseInterval(text));

    [Fact]
    public void ValiditySpecificationsAreSshKeygens()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_030);
        Assert.Equal((1_799_999_940UL, 1_800_000_030UL + 52 * 604800), CertificateValidity.Parse("+52w", now));
        Assert.Equal((1_800_000_030UL - 86400, 1_800_000_030UL + 604800), CertificateValidity.Parse("-1d:+1w", now));
        Assert.Equal((0UL, SshCertificate.Forever), CertificateValidity.Parse("always:forever", now));
        Assert.Equal((1_577_836_800UL, 1_577_836_800UL + 3600 + 120 + 3), CertificateValidity.Parse("20200101Z:20200101010203Z", now));
        Assert.Equal((0x10UL, 0x20UL), CertificateValidity.Parse("0x10:0x20", now));
        Assert.Throws<SshKeyFormatException>(() => CertificateValidity.Parse("bad", now));
        Assert.Throws<SshKeyFormatException>(() => CertificateValidity.Parse("+1w:", now));
        Assert.Throws<SshKeyFormatException>(() => CertificateValidity.Parse("20300101:20200101", now));
        Assert.Throws<SshKeyFormatException>(() => CertificateValidity.Parse("2020010:forever", now));
        Assert.Throws<SshKeyFormatException>(() => CertificateValidity.Parse("20201301:forever", now));
    }

    [Fact]
    public void RandomMutationsOnlyEverGiveKeyFormatErrors()
    {
        using var key = TestKeys.Create("rsa");
        using var ca = TestKeys.Create("ecdsa256");
        byte[] blob = Builder(key.PublicKey).Sign(ca).Blob.ToArray();
        var random = new Random(6);
        for (int i = 0; i < 3000; i++)
        {
            byte[] bad = (byte[])blob.Clone();
            for (int n = random.Next(1, 4); n > 0; n--) bad[random.Next(bad.Length)] = (byte)random.Next(256);
            try
            {
                if (SshPublicKey.FromBlob(bad) is SshCertificate cert)
                {
                    _ = cert.VerifySignature();
                    _ = CertificateValidation.Check(cert, SshCertificateType.User, "alice", Now);
                }
            }
            catch (SshKeyFormatException)
            {
            }
        }
    }
}
