using Hop.Ssh.Client;
using Hop.Ssh.Connection;
using Hop.Ssh.Connection.Messages;
using Hop.Ssh.Keys;
using Hop.Ssh.Tests.Connection;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Tests.Client;

/// <summary>hostkeys-00@openssh.com / hostkeys-prove-00@openssh.com: the announcement, the proofs, and a server that lies.</summary>
public class HostKeyUpdatesTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);
    private static readonly Ed25519PrivateKey Ed = Ed25519PrivateKey.Generate();
    private static readonly Ed25519PrivateKey Ed2 = Ed25519PrivateKey.Generate();
    private static readonly EcdsaPrivateKey Ec = EcdsaPrivateKey.Generate(256);
    private static readonly RsaPrivateKey Rsa = RsaPrivateKey.Generate(2048);
    private static readonly byte[] SessionId = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly string[] AllAlgorithms = ["ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-512", "rsa-sha2-256"];

    private static byte[] Payload(params byte[][] items)
    {
        using var b = new SshBuffer();
        var w = b.Writer;
        new HostKeysList { Items = items }.Write(ref w);
        return b.ToArray();
    }

    private static byte[] Proof(SshPrivateKey key, byte[] sessionId, string? alg = null) =>
        key.Sign(HostKeysList.ProofData(sessionId, key.PublicKey.Blob), alg);

    [Fact]
    public void ListRoundTripsAndIsBounded()
    {
        byte[] data = Payload(Ed.PublicKey.Blob.ToArray(), Ec.PublicKey.Blob.ToArray());
        var r = new SshReader(data);
        var list = HostKeysList.Read(ref r);
        Assert.Equal(2, list.Items.Count);
        Assert.Equal(Ec.PublicKey.Blob.ToArray(), list.Items[1]);
        byte[] many = Payload(Enumerable.Range(0, HostKeysList.MaxItems + 1).Select(_ => new byte[] { 1 }).ToArray());
        Assert.Throws<SshProtocolException>(() => { var rr = new SshReader(many); HostKeysList.Read(ref rr); });
        byte[] truncated = data[..^3];
        Assert.Throws<SshProtocolException>(() => { var rr = new SshReader(truncated); HostKeysList.Read(ref rr); });
    }

    [Fact]
    public void AnnouncementSkipsUnknownAndFilteredKeysAndRejectsDuplicates()
    {
        byte[] unknown = Payload(System.Text.Encoding.ASCII.GetBytes("\0\0\0\u0007ssh-foo"));
        var keys = HostKeyUpdates.ParseAnnouncement(Payload(Ed.PublicKey.Blob.ToArray(), unknown[4..], Ec.PublicKey.Blob.ToArray(), Rsa.PublicKey.Blob.ToArray()), AllAlgorithms);
        Assert.Equal([Ed.PublicKey, Ec.PublicKey, Rsa.PublicKey], keys!);
        var filtered = HostKeyUpdates.ParseAnnouncement(Payload(Ed.PublicKey.Blob.ToArray(), Ec.PublicKey.Blob.ToArray(), Rsa.PublicKey.Blob.ToArray()), ["ssh-ed25519", "rsa-sha2-256"]);
        Assert.Equal([Ed.PublicKey, Rsa.PublicKey], filtered!);
        Assert.Null(HostKeyUpdates.ParseAnnouncement(Payload(Ed.PublicKey.Blob.ToArray(), Ed.PublicKey.Blob.ToArray()), AllAlgorithms));
        Assert.Null(HostKeyUpdates.ParseAnnouncement(new byte[] { 0, 0, 0, 9, 1 }, AllAlgorithms));
    }

    [Fact]
    public void ProofIsCheckedOverSessionIdAndKey()
    {
        Assert.Equal(HostKeyProofResult.Valid, HostKeyUpdates.CheckProof(Ed.PublicKey, SessionId, Proof(Ed, SessionId), "ssh-ed25519"));
        Assert.Equal(HostKeyProofResult.Valid, HostKeyUpdates.CheckProof(Ec.PublicKey, SessionId, Proof(Ec, SessionId), "ssh-ed25519"));
        // Another session's proof, another key's signature, garbage: all refused.
        byte[] otherSession = (byte[])SessionId.Clone();
        otherSession[0] ^= 1;
        Assert.Equal(HostKeyProofResult.Invalid, HostKeyUpdates.CheckProof(Ed.PublicKey, SessionId, Proof(Ed, otherSession), "ssh-ed25519"));
        byte[] signedByOther = Ed2.Sign(HostKeysList.ProofData(SessionId, Ed.PublicKey.Blob));
        Assert.Equal(HostKeyProofResult.Invalid, HostKeyUpdates.CheckProof(Ed.PublicKey, SessionId, signedByOther, "ssh-ed25519"));
        Assert.Equal(HostKeyProofResult.Invalid, HostKeyUpdates.CheckProof(Ed.PublicKey, SessionId, [0, 0, 0, 1], "ssh-ed25519"));
        // A signature over a proof with the wrong label.
        using (var b = new SshBuffer())
        {
            var w = b.Writer;
            w.WriteString("hostkeys-prove-01@openssh.com");
            w.WriteString(SessionId);
            w.WriteString(Ed.PublicKey.Blob);
            Assert.Equal(HostKeyProofResult.Invalid, HostKeyUpdates.CheckProof(Ed.PublicKey, SessionId, Ed.Sign(b.WrittenSpan), "ssh-ed25519"));
        }
    }

    [Fact]
    public void RsaProofsFollowTheNegotiatedAlgorithmOrSha2()
    {
        Assert.Equal(HostKeyProofResult.Valid, HostKeyUpdates.CheckProof(Rsa.PublicKey, SessionId, Proof(Rsa, SessionId, "rsa-sha2-512"), "ssh-ed25519"));
        Assert.Equal(HostKeyProofResult.Valid, HostKeyUpdates.CheckProof(Rsa.PublicKey, SessionId, Proof(Rsa, SessionId, "rsa-sha2-256"), "ssh-ed25519"));
        Assert.Equal(HostKeyProofResult.Disregarded, HostKeyUpdates.CheckProof(Rsa.PublicKey, SessionId, Proof(Rsa, SessionId, "ssh-rsa"), "ssh-ed25519"));
        Assert.Equal(HostKeyProofResult.Valid, HostKeyUpdates.CheckProof(Rsa.PublicKey, SessionId, Proof(Rsa, SessionId, "rsa-sha2-512"), "rsa-sha2-512"));
        Assert.Equal(HostKeyProofResult.Invalid, HostKeyUpdates.CheckProof(Rsa.PublicKey, SessionId, Proof(Rsa, SessionId, "rsa-sha2-256"), "rsa-sha2-512"));
    }

    /// <summary>A client connection and a server end that answers hostkeys-prove-00 with <paramref name="answer"/>.</summary>
    private static async Task<IReadOnlyList<SshPublicKey>?> ProveAgainstAsync(IReadOnlyList<SshPublicKey> keys, Func<IReadOnlyList<byte[]>, byte[]> answer)
    {
        var (clientEnd, serverEnd) = InMemoryPacketConnection.CreatePair();
        await using var client = new SshConnection(clientEnd, new SshConnectionOptions { HostName = "testhost" });
        client.Start();
        var server = Task.Run(async () =>
        {
            var p = (await serverEnd.ReceiveAsync()).ToArray();
            var r = new SshReader(p);
            var m = GlobalRequestMessage.Read(ref r);
            Assert.Equal(HostKeysList.ProveRequest, m.RequestName);
            Assert.True(m.WantReply);
            var dr = new SshReader(m.RequestData.Span);
            await serverEnd.SendAsync(answer(HostKeysList.Read(ref dr).Items));
        });
        var proved = await HostKeyUpdates.ProveAsync(client, SessionId, "ssh-ed25519", keys).WaitAsync(Limit);
        await server.WaitAsync(Limit);
        await serverEnd.DisposeAsync();
        return proved;
    }

    private static SshPrivateKey PrivateFor(byte[] blob) =>
        new SshPrivateKey[] { Ed, Ed2, Ec, Rsa }.Single(k => k.PublicKey.Blob.SequenceEqual(blob));

    private static byte[] Success(IEnumerable<byte[]> signatures) => [ConnectionMessageNumbers.RequestSuccess, .. Payload([.. signatures])];

    [Fact]
    public async Task HonestServerProvesEveryKey()
    {
        var proved = await ProveAgainstAsync([Ec.PublicKey, Rsa.PublicKey],
            blobs => Success(blobs.Select(b => PrivateFor(b) is RsaPrivateKey rsa ? Proof(rsa, SessionId, "rsa-sha2-512") : Proof(PrivateFor(b), SessionId))));
        Assert.Equal([Ec.PublicKey, Rsa.PublicKey], proved!);
    }

    [Fact]
    public async Task OneBadProofTrustsNothing()
    {
        // The second key is "proved" with the first key's signature: a server that does not hold it.
        var proved = await ProveAgainstAsync([Ec.PublicKey, Ed2.PublicKey], blobs => Success([Proof(Ec, SessionId), Proof(Ed, SessionId)]));
        Assert.Null(proved);
        var wrongSession = await ProveAgainstAsync([Ec.PublicKey], blobs => Success([Proof(Ec, new byte[32])]));
        Assert.Null(wrongSession);
        var tooFew = await ProveAgainstAsync([Ec.PublicKey, Ed2.PublicKey], blobs => Success([Proof(Ec, SessionId)]));
        Assert.Null(tooFew);
        var refused = await ProveAgainstAsync([Ec.PublicKey], blobs => [ConnectionMessageNumbers.RequestFailure]);
        Assert.Null(refused);
    }

    [Fact]
    public async Task Sha1RsaProofLeavesOnlyThatKeyOut()
    {
        var proved = await ProveAgainstAsync([Ec.PublicKey, Rsa.PublicKey], blobs => Success([Proof(Ec, SessionId), Proof(Rsa, SessionId, "ssh-rsa")]));
        Assert.Equal([Ec.PublicKey], proved!);
    }

    [Fact]
    public async Task AnnouncementReachesTheRegisteredHandlerAndWantReplyIsAnswered()
    {
        var (clientEnd, serverEnd) = InMemoryPacketConnection.CreatePair();
        await using var client = new SshConnection(clientEnd, new SshConnectionOptions { HostName = "testhost" });
        var got = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.SetGlobalRequestHandler(HostKeysList.Announcement, d => { got.TrySetResult(d.ToArray()); return true; });
        client.Start();
        byte[] data = Payload(Ed.PublicKey.Blob.ToArray());
        using (var b = new SshBuffer())
        {
            var w = b.Writer;
            new GlobalRequestMessage { RequestName = HostKeysList.Announcement, WantReply = true, RequestData = data }.Write(ref w);
            await serverEnd.SendAsync(b.ToArray());
        }
        Assert.Equal(data, await got.Task.WaitAsync(Limit));
        var reply = await serverEnd.ReceiveAsync().AsTask().WaitAsync(Limit);
        Assert.Equal(ConnectionMessageNumbers.RequestSuccess, reply.Span[0]);
        await serverEnd.DisposeAsync();
    }
}
