using Hop.Ssh.Config;
using Hop.Ssh.Keys;

namespace Hop.Ssh.Tests.Config;

/// <summary>KnownHostsUpdate.Plan: which announced keys are new, which lines are obsolete, and when OpenSSH leaves the file alone.</summary>
public class KnownHostsUpdatePlanTests : ConfigTestBase
{
    private static readonly SshPublicKey Ed = Ed25519PrivateKey.Generate().PublicKey;
    private static readonly SshPublicKey Ed2 = Ed25519PrivateKey.Generate().PublicKey;
    private static readonly SshPublicKey Ec = EcdsaPrivateKey.Generate(256).PublicKey;

    private static string L(SshPublicKey k) => k.ToOpenSshLine();

    [Fact]
    public void NewAndObsoleteKeysAreFound()
    {
        string f = Write("kh", $"[h]:2222 {L(Ed)}\n[h]:2222 {L(Ed2)}\nother {L(Ed25519PrivateKey.Generate().PublicKey)}\n");
        var plan = KnownHostsUpdate.Plan([f], "h", 2222, [Ed, Ec]);
        Assert.Null(plan.SkipReason);
        Assert.Equal([Ec], plan.NewKeys);
        Assert.Equal([2], plan.OldKeys.Select(e => e.Line));
    }

    [Fact]
    public void HashedLinesCount()
    {
        string f = Write("kh", KnownHosts.FormatLine("h", Ed, hash: true) + "\n");
        var plan = KnownHostsUpdate.Plan([f], "h", 22, [Ed, Ec]);
        Assert.Null(plan.SkipReason);
        Assert.Equal([Ec], plan.NewKeys);
        Assert.Empty(plan.OldKeys);
    }

    [Fact]
    public void NothingToDoIsSaid()
    {
        string f = Write("kh", $"h {L(Ed)}\n");
        Assert.Equal("no new or deprecated keys from server", KnownHostsUpdate.Plan([f], "h", 22, [Ed]).SkipReason);
    }

    [Theory]
    [InlineData("h*")]
    [InlineData("h,a,b")]
    [InlineData("@revoked h")]
    public void WildcardsListsAndMarkersLeaveTheFileAlone(string hosts)
    {
        string f = Write("kh", $"h {L(Ed)}\n{hosts} {L(Ed2)}\n");
        var plan = KnownHostsUpdate.Plan([f], "h", 22, [Ed, Ec]);
        Assert.StartsWith("CA/revocation marker, manual host list or wildcard host pattern found", plan.SkipReason, StringComparison.Ordinal);
    }

    [Fact]
    public void OfferedKeyUnderAnotherNameLeavesTheFileAlone()
    {
        string f = Write("kh", $"h {L(Ed)}\nalias {L(Ec)}\n");
        var plan = KnownHostsUpdate.Plan([f], "h", 22, [Ed, Ec]);
        Assert.StartsWith("host key found matching a different name/address", plan.SkipReason, StringComparison.Ordinal);
    }

    [Fact]
    public void ObsoleteKeyUnderAnotherNameLeavesTheFileAlone()
    {
        string f = Write("kh", $"h {L(Ed)}\nh {L(Ed2)}\nalias {L(Ed2)}\n");
        var plan = KnownHostsUpdate.Plan([f], "h", 22, [Ed]);
        Assert.Equal("key(s) for h exist under other names; skipping UserKnownHostsFile update", plan.SkipReason);
    }

    [Fact]
    public void MalformedLinesAreSkippedAndMissingFilesAreNoError()
    {
        string f = Write("kh", $"h ssh-ed25519 !!!notbase64\nh {L(Ed)}\n");
        var plan = KnownHostsUpdate.Plan([f, Path.Combine(Dir, "absent")], "h", 22, [Ed, Ec]);
        Assert.Null(plan.SkipReason);
        Assert.Equal([Ec], plan.NewKeys);
        Assert.Empty(plan.OldKeys);
    }

    /// <summary>UserKnownHostsFile=/dev/null with keys learned or replaced: written through, never renamed over.</summary>
    [Fact]
    public void DevNullStaysADevice()
    {
        try
        {
            KnownHosts.Add("/dev/null", "h", 22, Ed, hash: false);
            KnownHostsUpdate.ReplaceHostKeys("/dev/null", "h", 22, [Ed, Ec], hash: true);
        }
        finally
        {
            string type = Run("/usr/bin/stat", "-c", "%F", "/dev/null").Trim();
            if (type != "character special file")
            {
                File.Delete("/dev/null");
                Run("/usr/bin/mknod", "-m", "666", "/dev/null", "c", "1", "3");
                Assert.Fail($"/dev/null was replaced by a {type}");
            }
        }
    }

    private static string Run(string program, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit(10_000);
        return output;
    }
}
