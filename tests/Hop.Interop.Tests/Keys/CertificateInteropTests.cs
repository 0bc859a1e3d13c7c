using Hop.Ssh.Keys;
using Hop.Ssh.Keys.Formats;

namespace Hop.Interop.Tests.Keys;

/// <summary>Certificates made by ssh-keygen -s read by Hop; certificates made by hop keygen -s read by ssh-keygen.</summary>
public class CertificateInteropTests
{
    private static Tool.Result Hop(params string[] args) => Tool.Run(Tool.Hop, ["keygen", .. args]);

    private static string NewKey(TempDir dir, string name, string type, string comment = "")
    {
        var args = new List<string> { "-q", "-N", "", "-C", comment, "-f", dir[name] };
        args.AddRange(type switch
        {
            "ecdsa256" => ["-t", "ecdsa", "-b", "256"],
            "ecdsa384" => ["-t", "ecdsa", "-b", "384"],
            "ecdsa521" => ["-t", "ecdsa", "-b", "521"],
            "rsa" => ["-t", "rsa", "-b", "2048"],
            _ => ["-t", type],
        });
        Tool.Ok(Tool.Run("/usr/bin/ssh-keygen", args), "ssh-keygen");
        return dir[name];
    }

    public static TheoryData<string, string> Pairs() => new()
    {
        { "ed25519", "ed25519" },
        { "ecdsa256", "rsa" },
        { "ecdsa384", "ecdsa521" },
        { "ecdsa521", "ed25519" },
        { "rsa", "ecdsa256" },
        { "rsa", "rsa" },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void SshKeygenCertificateIsReadAndVerified(string keyType, string caType)
    {
        using var dir = new TempDir();
        string key = NewKey(dir, "user", keyType, "me@there");
        string ca = NewKey(dir, "ca", caType);
        Tool.Ok(Tool.SshKeygen("-s", ca, "-I", "the id", "-n", "alice,bob", "-z", "99", "-V", "20200101:20400101",
            "-O", "force-command=echo hi", "-O", "no-pty", key + ".pub"), "ssh-keygen -s");
        var (loaded, comment) = PublicKeyFile.Load(key + "-cert.pub");
        var cert = Assert.IsType<SshCertificate>(loaded);
        Assert.Equal("me@there", comment);
        Assert.Equal(PublicKeyFile.Load(key + ".pub").Key, cert.Key);
        Assert.Equal(PublicKeyFile.Load(ca + ".pub").Key, cert.SignatureKey);
        Assert.True(cert.VerifySignature());
        Assert.Equal("the id", cert.KeyId);
        Assert.Equal(99UL, cert.Serial);
        Assert.Equal(SshCertificateType.User, cert.Type);
        Assert.Equal(["alice", "bob"], cert.ValidPrincipals);
        Assert.Equal("echo hi", Assert.Single(cert.CriticalOptions).StringValue);
        Assert.DoesNotContain(cert.Extensions, e => e.Name == "permit-pty");
        Assert.Contains(cert.Extensions, e => e.Name == "permit-agent-forwarding");
        Assert.Null(CertificateValidation.Check(cert, SshCertificateType.User, "bob", DateTimeOffset.UtcNow));
        // Our serialisation is byte-identical to ssh-keygen's file line.
        Assert.Equal(File.ReadAllText(key + "-cert.pub").Trim(), cert.ToOpenSshLine(comment));
    }
}
