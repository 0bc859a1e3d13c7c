using Hop.Ssh.Agent;
using Hop.Ssh.Agent.Messages;
using Hop.Ssh.Keys;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Tests.Agent;

public class AgentMessageTests
{
    /// <summary>A message's bytes on the wire, as the agent protocol's Write lays them out.</summary>
    internal static byte[] Bytes(IAgentMessage m)
    {
        using var b = new SshBuffer();
        var w = b.Writer;
        m.Write(ref w);
        return b.ToArray();
    }

    [Fact]
    public void SignRequestRoundTrips()
    {
        var m = new SignRequestMessage([1, 2, 3], [4, 5], AgentSignFlags.RsaSha2_512);
        var bytes = Bytes(m);
        Assert.Equal(13, bytes[0]);
        var r = new SshReader(bytes);
        var back = SignRequestMessage.Read(ref r);
        Assert.Equal(m.KeyBlob, back.KeyBlob);
        Assert.Equal(m.Data, back.Data);
        Assert.Equal(AgentSignFlags.RsaSha2_512, back.Flags);
    }

    [Fact]
    public void SignResponseAndRemoveRoundTrip()
    {
        var r1 = new SshReader(Bytes(new SignResponseMessage([9, 8, 7])));
        Assert.Equal(new byte[] { 9, 8, 7 }, SignResponseMessage.Read(ref r1).Signature);
        var r2 = new SshReader(Bytes(new RemoveIdentityMessage([1, 1])));
        Assert.Equal(new byte[] { 1, 1 }, RemoveIdentityMessage.Read(ref r2).KeyBlob);
    }

    [Fact]
    public void IdentitiesAnswerRoundTrips()
    {
        using var k1 = Ed25519PrivateKey.Generate();
        using var k2 = EcdsaPrivateKey.Generate(256);
        var m = new IdentitiesAnswerMessage([new AgentIdentity(k1.PublicKey, "one"), new AgentIdentity(k2.PublicKey, "twö")]);
        var r = new SshReader(Bytes(m));
        var back = IdentitiesAnswerMessage.Read(ref r);
        Assert.Equal(2, back.Identities.Count);
        Assert.Equal("one", back.Identities[0].Comment);
        Assert.Equal("twö", back.Identities[1].Comment);
        Assert.Equal(k2.PublicKey, back.Identities[1].PublicKey);
        Assert.Equal("ecdsa-sha2-nistp256", back.Identities[1].KeyType);
    }

    [Fact]
    public void IdentitiesAnswerWithAHugeCountIsRejected()
    {
        byte[] bytes = [12, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0];
        Assert.Throws<SshProtocolException>(() => { var r = new SshReader(bytes); IdentitiesAnswerMessage.Read(ref r); });
    }

    [Theory]
    [InlineData("ed25519")]
    [InlineData("ecdsa")]
    [InlineData("rsa")]
    public void AddIdentityRoundTripsWithConstraints(string type)
    {
        using SshPrivateKey key = type switch
        {
            "ed25519" => Ed25519PrivateKey.Generate(),
            "ecdsa" => EcdsaPrivateKey.Generate(384),
            _ => RsaPrivateKey.Generate(2048),
        };
        var m = new AddIdentityMessage(key, "c@d", new AgentKeyConstraints(60, true));
        var bytes = Bytes(m);
        Assert.Equal(25, bytes[0]);
        var r = new SshReader(bytes);
        using var back = AddIdentityMessage.Read(ref r);
        Assert.Equal(key.PublicKey, back.Key.PublicKey);
        Assert.Equal("c@d", back.Comment);
        Assert.Equal(60u, back.Constraints.LifetimeSeconds);
        Assert.True(back.Constraints.Confirm);
        byte[] sig = back.Key.Sign([1, 2, 3]);
        Assert.True(key.PublicKey.Verify([1, 2, 3], sig));
    }

    [Fact]
    public void AddIdentityWithoutConstraintsIsType17()
    {
        using var key = Ed25519PrivateKey.Generate();
        Assert.Equal(17, Bytes(new AddIdentityMessage(key, "x"))[0]);
    }

    [Fact]
    public void UnknownConstraintsAreRefused()
    {
        using var key = Ed25519PrivateKey.Generate();
        var bytes = Bytes(new AddIdentityMessage(key, "x", new AgentKeyConstraints(null, true))).ToList();
        bytes.Add(3); // SSH_AGENT_CONSTRAIN_MAXSIGN
        bytes.AddRange(new byte[] { 0, 0, 0, 1 });
        Assert.Throws<AgentUnsupportedConstraintException>(() => { var r = new SshReader(bytes.ToArray()); AddIdentityMessage.Read(ref r); });

        var ext = Bytes(new AddIdentityMessage(key, "x", new AgentKeyConstraints(null, true))).ToList();
        ext.Add(255);
        using (var b = new SshBuffer())
        {
            var w = b.Writer;
            w.WriteString("restrict-destination-v00@openssh.com");
            ext.AddRange(b.ToArray());
        }
        Assert.Throws<AgentUnsupportedConstraintException>(() => { var r = new SshReader(ext.ToArray()); AddIdentityMessage.Read(ref r); });
    }

    [Fact]
    public void LockAndExtensionRoundTrip()
    {
        using var l = new LockMessage(true, "pw"u8);
        var r = new SshReader(Bytes(l));
        using var back = LockMessage.Read(ref r);
        Assert.True(back.Unlock);
        Assert.Equal("pw"u8.ToArray(), back.Passphrase.ToArray());
        Assert.DoesNotContain("pw", back.ToString(), StringComparison.Ordinal);

        var q = QueryExtension.Response(["query", "session-bind@openssh.com"]);
        var r2 = new SshReader(Bytes(q));
        var qb = ExtensionMessage.Read(ref r2);
        Assert.True(qb.IsResponse);
        Assert.Equal("query", qb.Name);
        Assert.Equal(["query", "session-bind@openssh.com"], QueryExtension.ReadNames(qb.Contents));

        var bind = new SessionBindMessage([1], [2, 2], [3], true);
        var ext = bind.ToExtension();
        var r3 = new SshReader(Bytes(ext));
        var eb = ExtensionMessage.Read(ref r3);
        Assert.Equal("session-bind@openssh.com", eb.Name);
        var bb = SessionBindMessage.ReadContents(eb.Contents);
        Assert.Equal(bind.HostKey, bb.HostKey);
        Assert.Equal(bind.SessionId, bb.SessionId);
        Assert.Equal(bind.Signature, bb.Signature);
        Assert.True(bb.IsForwarding);
    }

    [Fact]
    public void TruncatedMessagesThrowProtocolErrors()
    {
        var bytes = Bytes(new SignRequestMessage([1, 2, 3], [4, 5], AgentSignFlags.None));
        for (int n = 1; n < bytes.Length; n++)
        {
            var cut = bytes[..n];
            Assert.Throws<SshProtocolException>(() => { var r = new SshReader(cut); SignRequestMessage.Read(ref r); });
        }
    }

    [Fact]
    public void SignatureAlgorithmFollowsOpenSsh()
    {
        Assert.Equal("rsa-sha2-256", AgentProtocol.SignatureAlgorithm("ssh-rsa", AgentSignFlags.RsaSha2_256 | AgentSignFlags.RsaSha2_512));
        Assert.Equal("rsa-sha2-512", AgentProtocol.SignatureAlgorithm("ssh-rsa", AgentSignFlags.RsaSha2_512));
        Assert.Equal("ssh-rsa", AgentProtocol.SignatureAlgorithm("ssh-rsa", AgentSignFlags.None));
        Assert.Null(AgentProtocol.SignatureAlgorithm("ssh-ed25519", AgentSignFlags.RsaSha2_512));
    }
}
