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

    public static TheoryData<string[]> SignArgs() => new()
    {
        new[] { "-I", "key id", "-n", "alice,bob", "-V", "-1d:+1w", "-z", "42" },
        new[] { "-I", "host id", "-h", "-n", "h1.example,h2.example", "-V", "20200101:20400101123456" },
        new[] { "-I", "opts", "-O", "clear", "-O", "force-command=ls -l", "-O", "source-address=127.0.0.1/32,::1", "-O", "permit-pty",
                "-O", "extension:foo@example.com=bar", "-O", "critical:zz@example.com=yy", "-O", "extension:flag@example.com" },
        new[] { "-I", "no-x", "-O", "no-x11-forwarding", "-O", "no-user-rc", "-V", "always:forever" },
        new[] { "-I", "after", "-V", "20200101:forever", "-z", "18446744073709551615" },
        new[] { "-I", "before", "-V", "always:20400101" },
    };

    /// <summary>hop keygen -s and ssh-keygen -s with the same arguments: the same messages, and both tools' -L agree on both certificates.</summary>
    [Theory]
    [MemberData(nameof(SignArgs))]
    public void HopAndSshKeygenSignAlikeAndShowAlike(string[] args)
    {
        using var dir = new TempDir();
        string ca = NewKey(dir, "ca", "ed25519");
        string rsaCa = NewKey(dir, "rsaca", "rsa");
        string key = NewKey(dir, "k", "ecdsa256", "user@host");
        File.Copy(key + ".pub", dir["h.pub"]);
        File.Copy(key + ".pub", dir["o.pub"]);
        bool relative = args.Contains("-1d:+1w");
        foreach (string signer in new[] { ca, rsaCa })
        {
            var hop = Tool.Ok(Hop(["-s", signer, .. args, dir["h.pub"]]), "hop keygen -s");
            var theirs = Tool.Ok(Tool.SshKeygen(["-s", signer, .. args, dir["o.pub"]]), "ssh-keygen -s");
            // OpenSSH's log ends its lines with \r\n; the words are what must agree.
            if (!relative) Assert.Equal(theirs.Stderr.Replace("\r\n", "\n", StringComparison.Ordinal).Replace(dir["o-cert.pub"], "X", StringComparison.Ordinal), hop.Stderr.Replace(dir["h-cert.pub"], "X", StringComparison.Ordinal));
            else Assert.Matches("^Signed user key .*h-cert.pub: id \"key id\" serial 42 for alice,bob valid from \\S+ to \\S+\n$", hop.Stderr);
            Assert.Equal("644", Convert.ToString((int)File.GetUnixFileMode(dir["h-cert.pub"]), 8));
            Assert.EndsWith(" user@host\n", File.ReadAllText(dir["h-cert.pub"]), StringComparison.Ordinal);
            foreach (string cert in new[] { dir["h-cert.pub"], dir["o-cert.pub"] })
            {
                var l1 = Tool.Ok(Tool.SshKeygen("-L", "-f", cert), "ssh-keygen -L");
                var l2 = Tool.Ok(Hop("-L", "-f", cert), "hop keygen -L");
                Assert.Equal(l1.Stdout, l2.Stdout);
            }
            // Same fields (the nonce and signature differ): the -L bodies agree apart from the path line (and times for relative -V).
            string Body(string f) => Tool.Ok(Tool.SshKeygen("-L", "-f", f), "-L").Stdout.Split('\n', 2)[1];
            if (!relative) Assert.Equal(Body(dir["o-cert.pub"]), Body(dir["h-cert.pub"]));
            // ssh-keygen verifies the CA signature when it reads a certificate: -l works on it.
            Tool.Ok(Tool.SshKeygen("-l", "-f", dir["h-cert.pub"]), "ssh-keygen -l on hop's certificate");
        }
    }

    [Fact]
    public void EncryptedCaKeyIsAskedForOrTakenFromMinusP()
    {
        using var dir = new TempDir();
        string key = NewKey(dir, "k", "ed25519");
        Tool.Ok(Tool.SshKeygen("-q", "-t", "ed25519", "-N", "ca secret", "-a", "2", "-f", dir["ca"]), "ssh-keygen");
        var r = Tool.Run(Tool.Hop, ["keygen", "-s", dir["ca"], "-I", "x", "-n", "root", key + ".pub"], "ca secret\n");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("Enter passphrase: ", r.Stderr, StringComparison.Ordinal);
        var cert = Assert.IsType<SshCertificate>(PublicKeyFile.Load(key + "-cert.pub").Key);
        Assert.True(cert.VerifySignature());
        Tool.Ok(Hop("-s", dir["ca"], "-P", "ca secret", "-I", "y", key + ".pub"), "hop keygen -s -P");
        var wrong = Tool.Run(Tool.Hop, ["keygen", "-s", dir["ca"], "-I", "x", key + ".pub"], "wrong\n");
        Assert.Equal(255, wrong.ExitCode);
    }

    [Theory]
    [InlineData("bad", "Invalid certificate life specification bad")]
    [InlineData("+1x", "Invalid relative certificate life +1x")]
    [InlineData("20400101:20300101", "Empty certificate validity interval")]
    [InlineData("2040:forever", "Invalid from time \"2040\"")]
    public void BadValidityIsRefusedAsSshKeygen(string spec, string message)
    {
        using var dir = new TempDir();
        string ca = NewKey(dir, "ca", "ed25519");
        string key = NewKey(dir, "k", "ed25519");
        var theirs = Tool.SshKeygen("-s", ca, "-I", "x", "-V", spec, key + ".pub");
        var ours = Hop("-s", ca, "-I", "x", "-V", spec, key + ".pub");
        Assert.Equal(theirs.ExitCode, ours.ExitCode);
        Assert.Contains(message, theirs.Stderr, StringComparison.Ordinal);
        Assert.Contains(message, ours.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(dir["k-cert.pub"]));
    }

    [Fact]
    public void ShowRefusesAPlainKeyAndNeedsAKeyId()
    {
        using var dir = new TempDir();
        string key = NewKey(dir, "k", "ed25519");
        var theirs = Tool.SshKeygen("-L", "-f", key + ".pub");
        var ours = Hop("-L", "-f", key + ".pub");
        Assert.Equal(theirs.ExitCode, ours.ExitCode);
        Assert.Contains("is not a certificate", ours.Stderr, StringComparison.Ordinal);
        var noId = Hop("-s", key, key + ".pub");
        Assert.Equal(255, noId.ExitCode);
        Assert.Contains("Must specify key id (-I) when certifying", noId.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void ShowListsEveryCertificateOfAFileAndStdinAsSshKeygen()
    {
        using var dir = new TempDir();
        string ca = NewKey(dir, "ca", "ecdsa384");
        string a = NewKey(dir, "a", "ed25519");
        string b = NewKey(dir, "b", "ecdsa256");
        Tool.Ok(Tool.SshKeygen("-s", ca, "-I", "a", "-n", "x", a + ".pub"), "ssh-keygen -s");
        Tool.Ok(Hop("-s", ca, "-I", "b", "-h", "-V", "always:20991231", b + ".pub"), "hop keygen -s");
        string multi = dir["multi"];
        File.WriteAllText(multi, "# comment\n" + File.ReadAllText(a + "-cert.pub") + File.ReadAllText(a + ".pub") + "\n" + File.ReadAllText(b + "-cert.pub"));
        var theirs = Tool.SshKeygen("-L", "-f", multi);
        var ours = Hop("-L", "-f", multi);
        Assert.Equal((theirs.ExitCode, theirs.Stdout), (ours.ExitCode, ours.Stdout));
        Assert.Contains("multi:3 is not a certificate", ours.Stderr, StringComparison.Ordinal);
        string line = File.ReadAllText(b + "-cert.pub");
        var theirsIn = Tool.Run("/usr/bin/ssh-keygen", ["-L", "-f", "-"], line);
        var oursIn = Tool.Run(Tool.Hop, ["keygen", "-L", "-f", "-"], line);
        Assert.Equal(theirsIn.Stdout, oursIn.Stdout);
        Assert.StartsWith("(stdin):1:\n", oursIn.Stdout, StringComparison.Ordinal);
    }
}
