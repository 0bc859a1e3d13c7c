using Hop.Ssh.Config;
using Hop.Ssh.Keys;

namespace Hop.Ssh.Tests.Config;

/// <summary>Host certificates checked against @cert-authority and @revoked lines.</summary>
public class HostCertificatesTests : ConfigTestBase
{
    private static readonly Ed25519PrivateKey Ca = Ed25519PrivateKey.Generate();
    private static readonly Ed25519PrivateKey OtherCa = Ed25519PrivateKey.Generate();
    private static readonly SshPublicKey HostKey = EcdsaPrivateKey.Generate(256).PublicKey;
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    private static SshCertificate Cert(string[] principals, SshPrivateKey? ca = null, SshCertificateType type = SshCertificateType.Host,
        ulong after = 0, ulong before = SshCertificate.Forever) =>
        new CertificateBuilder { Key = HostKey, Type = type, ValidPrincipals = principals, ValidAfter = after, ValidBefore = before }.Sign(ca ?? Ca);

    private string CaFile(string hosts) => Write("kh", $"@cert-authority {hosts} {Ca.PublicKey.ToOpenSshLine()}\n");

    [Fact]
    public void TrustedWhenACaLineNamesTheHost()
    {
        string f = CaFile("*.example.com,[10.0.0.1]:2222");
        var r = HostCertificates.Check("a.example.com", 22, Cert(["a.example.com"]), [f], Now);
        Assert.Equal(HostCertificateStatus.Trusted, r.Status);
        Assert.Equal(1, r.Entry!.Line);
        Assert.Equal(HostCertificateStatus.Trusted, HostCertificates.Check("10.0.0.1", 2222, Cert(["10.0.0.1"]), [f], Now).Status);
        // No principals: any host, as OpenSSH's client allows for host certificates.
        Assert.Equal(HostCertificateStatus.Trusted, HostCertificates.Check("b.example.com", 22, Cert([]), [f], Now).Status);
    }

    [Fact]
    public void HashedCaLinesMatch()
    {
        string f = Write("kh", $"@cert-authority {HashedHostName.Hash("h.example")} {Ca.PublicKey.ToOpenSshLine()}\n");
        Assert.Equal(HostCertificateStatus.Trusted, HostCertificates.Check("h.example", 22, Cert(["h.example"]), [f], Now).Status);
    }

    [Fact]
    public void NoAuthorityForAnotherHostAnotherCaOrAPlainLine()
    {
        string f = CaFile("*.example.com");
        Assert.Equal(HostCertificateStatus.NoAuthority, HostCertificates.Check("h.example.org", 22, Cert(["h.example.org"]), [f], Now).Status);
        Assert.Equal(HostCertificateStatus.NoAuthority, HostCertificates.Check("a.example.com", 22, Cert(["a.example.com"], OtherCa), [f], Now).Status);
        // The CA as a plain host key line vouches for nothing.
        string plain = Write("plain", $"a.example.com {Ca.PublicKey.ToOpenSshLine()}\n");
        Assert.Equal(HostCertificateStatus.NoAuthority, HostCertificates.Check("a.example.com", 22, Cert(["a.example.com"]), [plain], Now).Status);
    }

    [Fact]
    public void InvalidCertificatesGiveTheReason()
    {
        string f = CaFile("*");
        Assert.Equal("Certificate invalid: name is not a listed principal", HostCertificates.Check("h", 22, Cert(["other"]), [f], Now).Reason);
        Assert.Equal("Certificate invalid: not a host certificate", HostCertificates.Check("h", 22, Cert(["h"], type: SshCertificateType.User), [f], Now).Reason);
        Assert.Equal("Certificate invalid: expired", HostCertificates.Check("h", 22, Cert(["h"], before: 1_700_000_000), [f], Now).Reason);
        Assert.Equal("Certificate invalid: not yet valid", HostCertificates.Check("h", 22, Cert(["h"], after: 1_900_000_000), [f], Now).Reason);
        Assert.Equal(HostCertificateStatus.Invalid, HostCertificates.Check("h", 22, Cert(["other"]), [f], Now).Status);
    }

    [Fact]
    public void RevokedKeyOrCaIsRevoked()
    {
        string caRevoked = Write("kh1", $"@cert-authority * {Ca.PublicKey.ToOpenSshLine()}\n@revoked * {Ca.PublicKey.ToOpenSshLine()}\n");
        var r = HostCertificates.Check("h", 22, Cert(["h"]), [caRevoked], Now);
        Assert.Equal(HostCertificateStatus.Revoked, r.Status);
        Assert.Equal(2, r.Entry!.Line);
        string keyRevoked = Write("kh2", $"@cert-authority * {Ca.PublicKey.ToOpenSshLine()}\n@revoked h {HostKey.ToOpenSshLine()}\n");
        Assert.Equal(HostCertificateStatus.Revoked, HostCertificates.Check("h", 22, Cert(["h"]), [keyRevoked], Now).Status);
        // Revoked even when no CA line would vouch for it.
        string onlyRevoked = Write("kh3", $"@revoked * {Ca.PublicKey.ToOpenSshLine()}\n");
        Assert.Equal(HostCertificateStatus.Revoked, HostCertificates.Check("h", 22, Cert(["h"]), [onlyRevoked], Now).Status);
    }
}
