using System.Buffers.Binary;
using System.Net.Sockets;
using Hop.Ssh.Agent;
using Hop.Ssh.Keys;

namespace Hop.Ssh.Tests.Agent;

public class AgentServerTests
{
    private static readonly byte[] Data = "data to sign"u8.ToArray();

    [Fact]
    public async Task AddListSignRemove()
    {
        await using var h = new AgentHarness();
        await using var c = await h.ClientAsync();
        using var ed = Ed25519PrivateKey.Generate();
        using var ec = EcdsaPrivateKey.Generate(256);
        using var rsa = RsaPrivateKey.Generate(2048);
        await c.AddAsync(ed, "ed");
        await c.AddAsync(ec, "ec");
        await c.AddAsync(rsa, "rsa");
        var ids = await c.RequestIdentitiesAsync();
        Assert.Equal(["ed", "ec", "rsa"], ids.Select(i => i.Comment));
        Assert.Equal(ec.PublicKey, ids[1].PublicKey);

        Assert.True(await Signs(c, ed, AgentSignFlags.None));
        Assert.True(await Signs(c, ec, AgentSignFlags.None));
        Assert.True(await Signs(c, rsa, AgentSignFlags.RsaSha2_256, "rsa-sha2-256"));
        Assert.True(await Signs(c, rsa, AgentSignFlags.RsaSha2_512, "rsa-sha2-512"));
        Assert.True(await Signs(c, rsa, AgentSignFlags.None, "ssh-rsa"));

        await c.RemoveAsync(ec.PublicKey);
        await Assert.ThrowsAsync<SshAgentRefusedException>(() => c.RemoveAsync(ec.PublicKey));
        await Assert.ThrowsAsync<SshAgentRefusedException>(() => c.SignAsync(ec.PublicKey, Data));
        Assert.Equal(2, (await c.RequestIdentitiesAsync()).Count);
        await c.RemoveAllAsync();
        Assert.Empty(await c.RequestIdentitiesAsync());
    }

    [Fact]
    public async Task AddingAKeyAgainReplacesItsCommentAndConstraints()
    {
        await using var h = new AgentHarness();
        await using var c = await h.ClientAsync();
        using var ed = Ed25519PrivateKey.Generate();
        await c.AddAsync(ed, "first", confirm: true);
        await c.AddAsync(ed, "second");
        var ids = await c.RequestIdentitiesAsync();
        Assert.Equal("second", Assert.Single(ids).Comment);
        Assert.True(await Signs(c, ed, AgentSignFlags.None));
    }

    [Fact]
    public async Task LockHidesKeysUntilTheRightPassphrase()
    {
        await using var h = new AgentHarness();
        await using var c = await h.ClientAsync();
        using var ed = Ed25519PrivateKey.Generate();
        await c.AddAsync(ed, "ed");
        await c.LockAsync("secret".AsMemory());
        Assert.True(h.Server.IsLocked);
        await Assert.ThrowsAsync<SshAgentRefusedException>(() => c.LockAsync("again".AsMemory()));
        Assert.Empty(await c.RequestIdentitiesAsync());
        await Assert.ThrowsAsync<SshAgentRefusedException>(() => c.SignAsync(ed.PublicKey, Data));
        await Assert.ThrowsAsync<SshAgentRefusedException>(() => c.RemoveAllAsync());
        await Assert.ThrowsAsync<SshAgentRefusedException>(() => c.UnlockAsync("wrong".AsMemory()));
        await c.UnlockAsync("secret".AsMemory());
        Assert.Single(await c.RequestIdentitiesAsync());
        await Assert.ThrowsAsync<SshAgentRefusedException>(() => c.UnlockAsync("secret".AsMemory()));
    }

    [Fact]
    public async Task KeysExpireAtTheirLifetime()
    {
        var clock = new ManualClock();
        await using var h = new AgentHarness(time: clock);
        h.Store.DefaultLifetime = TimeSpan.FromSeconds(100);
        await using var c = await h.ClientAsync();
        using var a = Ed25519PrivateKey.Generate();
        using var b = Ed25519PrivateKey.Generate();
        using var d = Ed25519PrivateKey.Generate();
        await c.AddAsync(a, "short", TimeSpan.FromSeconds(10));
        await c.AddAsync(b, "default");
        h.Store.DefaultLifetime = null;
        await c.AddAsync(d, "forever");
        clock.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(["default", "forever"], (await c.RequestIdentitiesAsync()).Select(i => i.Comment));
        await Assert.ThrowsAsync<SshAgentRefusedException>(() => c.SignAsync(a.PublicKey, Data));
        clock.Advance(TimeSpan.FromSeconds(100));
        Assert.Equal(["forever"], (await c.RequestIdentitiesAsync()).Select(i => i.Comment));
    }

    [Fact]
    public async Task ConfirmKeysAskEachUse()
    {
        var no = new FixedConfirmation(false);
        await using (var h = new AgentHarness(no))
        {
            await using var c = await h.ClientAsync();
            using var ed = Ed25519PrivateKey.Generate();
            await c.AddAsync(ed, "careful", confirm: true);
            await Assert.ThrowsAsync<SshAgentRefusedException>(() => c.SignAsync(ed.PublicKey, Data));
            Assert.Contains("Allow use of key careful?", Assert.Single(no.Prompts), StringComparison.Ordinal);
        }
        var yes = new FixedConfirmation(true);
        await using (var h = new AgentHarness(yes))
        {
            await using var c = await h.ClientAsync();
            using var ed = Ed25519PrivateKey.Generate();
            await c.AddAsync(ed, "careful", confirm: true);
            Assert.True(await Signs(c, ed, AgentSignFlags.None));
            Assert.True(await Signs(c, ed, AgentSignFlags.None));
            Assert.Equal(2, yes.Prompts.Count);
        }
        await using (var h = new AgentHarness(confirmation: null))
        {
            await using var c = await h.ClientAsync();
            using var ed = Ed25519PrivateKey.Generate();
            await c.AddAsync(ed, "careful", confirm: true);
            await Assert.ThrowsAsync<SshAgentRefusedException>(() => c.SignAsync(ed.PublicKey, Data));
        }
    }

    [Fact]
    public async Task ExtensionsQueryAndUnknown()
    {
        await using var h = new AgentHarness();
        await using var c = await h.ClientAsync();
        var names = await c.QueryExtensionsAsync();
        Assert.Contains("query", names);
        Assert.Contains("session-bind@openssh.com", names);
        await Assert.ThrowsAsync<SshAgentRefusedException>(() => c.ExtensionAsync("nonsense@example.com", new byte[] { 1, 2 }));
        Assert.Empty(await c.RequestIdentitiesAsync());
    }

    [Fact]
    public async Task SessionBindIsVerifiedAndRecordedPerConnection()
    {
        await using var h = new AgentHarness();
        using var hostKey = Ed25519PrivateKey.Generate();
        using var user = Ed25519PrivateKey.Generate();
        byte[] sid1 = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];
        byte[] sid2 = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];
        byte[] hk = hostKey.PublicKey.Blob.ToArray();

        await using (var c = await h.ClientAsync())
        {
            await c.AddAsync(user, "u");
            await c.SessionBindAsync(hk, sid1, hostKey.Sign(sid1), isForwarding: true);
            await c.SessionBindAsync(hk, sid1, hostKey.Sign(sid1), isForwarding: true); // the same binding again is fine
            await c.SessionBindAsync(hk, sid2, hostKey.Sign(sid2), isForwarding: false);
            // A connection bound for authentication takes no further binding (OpenSSH checks in order, so a
            // repeat of an earlier forwarding binding still matches first).
            byte[] sid3 = [7, 7, 7];
            await Assert.ThrowsAsync<SshAgentRefusedException>(() => c.SessionBindAsync(hk, sid3, hostKey.Sign(sid3), true));
            // The same session ID recorded against another host key is refused.
            using var otherHost = Ed25519PrivateKey.Generate();
            await Assert.ThrowsAsync<SshAgentRefusedException>(() => c.SessionBindAsync(otherHost.PublicKey.Blob.ToArray(), sid1, otherHost.Sign(sid1), true));
            Assert.True(await Signs(c, user, AgentSignFlags.None));
        }
        await using (var c = await h.ClientAsync())
        {
            // A signature that does not verify is refused, and the connection then signs nothing.
            await Assert.ThrowsAsync<SshAgentRefusedException>(() => c.SessionBindAsync(hk, sid1, hostKey.Sign(sid2), false));
            await Assert.ThrowsAsync<SshAgentRefusedException>(() => c.SignAsync(user.PublicKey, Data));
        }
        await using (var c = await h.ClientAsync())
        {
            Assert.True(await Signs(c, user, AgentSignFlags.None));
        }
    }

    [Fact]
    public async Task TooManySessionBindingsAreRefused()
    {
        await using var h = new AgentHarness();
        using var hostKey = Ed25519PrivateKey.Generate();
        byte[] hk = hostKey.PublicKey.Blob.ToArray();
        await using var c = await h.ClientAsync();
        for (int i = 0; i < AgentSession.MaxBindings; i++)
        {
            byte[] sid = [(byte)i, 1, 2, 3];
            await c.SessionBindAsync(hk, sid, hostKey.Sign(sid), true);
        }
        byte[] last = [99, 1, 2, 3];
        await Assert.ThrowsAsync<SshAgentRefusedException>(() => c.SessionBindAsync(hk, last, hostKey.Sign(last), true));
    }

    [Fact]
    public async Task BadInputGetsFailureOrAClosedConnectionAndTheAgentGoesOn()
    {
        await using var h = new AgentHarness();
        using var ed = Ed25519PrivateKey.Generate();
        await using var good = await h.ClientAsync();
        await good.AddAsync(ed, "ed");

        await using (var raw = await AgentClient.ConnectAsync(h.Path))
        {
            // Unknown message type: failure, and the connection goes on.
            Assert.Equal(5, (await Exchange(raw, [200]))[0]);
            // Old SSH1 remove-all (9): failure.
            Assert.Equal(5, (await Exchange(raw, [9]))[0]);
            // Malformed sign request (truncated key blob): failure.
            Assert.Equal(5, (await Exchange(raw, [13, 0, 0, 1, 0, 1]))[0]);
            // Trailing garbage after a request: failure.
            Assert.Equal(5, (await Exchange(raw, [11, 0]))[0]);
            // Garbage private key: failure.
            Assert.Equal(5, (await Exchange(raw, [17, 0, 0, 0, 3, (byte)'f', (byte)'o', (byte)'o']))[0]);
            // Still served.
            Assert.Equal(12, (await Exchange(raw, [11]))[0]);
        }

        await using (var raw = await AgentClient.ConnectAsync(h.Path))
        {
            // Oversized: the agent closes this connection.
            byte[] header = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(header, 256 * 1024 + 1);
            await raw.WriteAsync(header);
            try
            {
                await raw.WriteAsync(new byte[64 * 1024]);
            }
            catch (IOException)
            {
                // The agent may already have closed the connection: that is the point.
            }
            Assert.True(await IsClosedAsync(raw));
        }

        await using (var raw = await AgentClient.ConnectAsync(h.Path))
        {
            // Truncated: a header promising more than comes, then the client goes away.
            await raw.WriteAsync(new byte[] { 0, 0, 1, 0, 11, 0 });
        }

        // Another client is still served throughout.
        Assert.Single(await good.RequestIdentitiesAsync());
        await using var fresh = await h.ClientAsync();
        Assert.True(await Signs(fresh, ed, AgentSignFlags.None));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task ListenerRemovesItsSocketAndDirectory()
    {
        var listener = UnixSocketAgentListener.Create(null, 4242);
        string dir = Path.GetDirectoryName(listener.Address)!;
        Assert.EndsWith("agent.4242", listener.Address, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(listener.Address) & (UnixFileMode)0x1ff);
        await listener.DisposeAsync();
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public async Task ClientTimesOutOnASilentAgent()
    {
        string dir = Directory.CreateTempSubdirectory("hop-agent-test-").FullName;
        string path = Path.Combine(dir, "silent");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        socket.Listen(1);
        await using var c = await AgentClient.OpenAsync(path);
        c.Timeout = TimeSpan.FromMilliseconds(300);
        await Assert.ThrowsAsync<SshConnectionException>(() => c.RequestIdentitiesAsync());
        Directory.Delete(dir, true);
    }

    [Fact]
    public async Task NoAgentIsReported()
    {
        await Assert.ThrowsAsync<SshConnectionException>(() => AgentClient.OpenAsync("/nonexistent/agent.sock"));
    }

    private static async Task<bool> Signs(AgentClient c, SshPrivateKey key, AgentSignFlags flags, string? alg = null)
    {
        byte[] sig = await c.SignAsync(key.PublicKey, Data, flags);
        return key.PublicKey.Verify(Data, sig, alg);
    }

    private static async Task<byte[]> Exchange(Stream s, byte[] body)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await AgentFraming.WriteAsync(s, body, cts.Token);
        return (await AgentFraming.ReadAsync(s, cts.Token))!;
    }

    private static async Task<bool> IsClosedAsync(Stream s)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buf = new byte[16];
        try
        {
            return await s.ReadAsync(buf, cts.Token) == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }
}

public class AgentServerFuzzTests
{
    [Fact]
    public async Task RandomRequestsAlwaysGetAWellFormedReply()
    {
        var store = new AgentKeyStore();
        var server = new AgentServer(store);
        store.Add(Ed25519PrivateKey.Generate(), "k");
        var session = new AgentSession(1);
        var rng = new Random(4242);
        byte[] types = [11, 13, 17, 18, 19, 22, 23, 25, 27, 5, 200];
        for (int i = 0; i < 3000; i++)
        {
            var body = new byte[1 + rng.Next(0, 200)];
            rng.NextBytes(body);
            body[0] = types[rng.Next(types.Length)];
            if (body[0] == 22 || body[0] == 23) continue; // lock state would make the rest trivially fail
            if (body.Length > 5 && rng.Next(2) == 0)
            {
                // Plausible lengths reach deeper into the parsers.
                body[1] = 0; body[2] = 0; body[3] = 0; body[4] = (byte)rng.Next(0, 40);
            }
            using var reply = await server.HandleAsync(session, body, CancellationToken.None);
            Assert.Contains(reply.WrittenSpan[0], new byte[] { 5, 6, 12, 14, 29 });
        }
        store.Dispose();
    }
}
