using Hop.Ssh.Agent;
using Hop.Ssh.Agent.Messages;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Tests.Agent;

/// <summary>SSH_AGENTC_ADD_SMARTCARD_KEY(_CONSTRAINED) and REMOVE_SMARTCARD_KEY on the wire, and the agent's refusals that need no token.</summary>
public class SmartcardKeyMessageTests
{
    private static byte[] Bytes(IAgentMessage m) => AgentMessageTests.Bytes(m);

    [Fact]
    public void AddIsTwentyAndCarriesProviderAndPin()
    {
        using var m = new SmartcardKeyMessage(remove: false, "/usr/lib/p.so", "1234"u8);
        byte[] bytes = Bytes(m);
        // byte 20, string "/usr/lib/p.so", string "1234": nothing after.
        Assert.Equal([20, 0, 0, 0, 13, .. "/usr/lib/p.so"u8.ToArray(), 0, 0, 0, 4, .. "1234"u8.ToArray()], bytes);
        var r = new SshReader(bytes);
        using var back = SmartcardKeyMessage.Read(ref r);
        Assert.False(back.Remove);
        Assert.Equal("/usr/lib/p.so", back.Provider);
        Assert.Equal("1234"u8.ToArray(), back.Pin.ToArray());
        Assert.True(back.Constraints.IsEmpty);
    }

    [Fact]
    public void AddWithConstraintsIsTwentySixAndRoundTrips()
    {
        using var m = new SmartcardKeyMessage(remove: false, "/p.so", "0000"u8, new AgentKeyConstraints(600, Confirm: true));
        byte[] bytes = Bytes(m);
        Assert.Equal(26, bytes[0]);
        // The constraints follow the PIN: lifetime (1, uint32 600), then confirm (2).
        Assert.Equal(new byte[] { 1, 0, 0, 2, 0x58, 2 }, bytes[^6..]);
        var r = new SshReader(bytes);
        using var back = SmartcardKeyMessage.Read(ref r);
        Assert.Equal(AgentMessageType.AddSmartcardKeyConstrained, back.Type);
        Assert.Equal(600u, back.Constraints.LifetimeSeconds);
        Assert.True(back.Constraints.Confirm);
    }

    [Fact]
    public void RemoveIsTwentyOneWithAnEmptyPin()
    {
        using var m = new SmartcardKeyMessage(remove: true, "/p.so", []);
        byte[] bytes = Bytes(m);
        Assert.Equal([21, 0, 0, 0, 5, .. "/p.so"u8.ToArray(), 0, 0, 0, 0], bytes);
        var r = new SshReader(bytes);
        using var back = SmartcardKeyMessage.Read(ref r);
        Assert.True(back.Remove);
        Assert.Equal("/p.so", back.Provider);
        Assert.Throws<ArgumentException>(() => new SmartcardKeyMessage(remove: true, "/p.so", [], new AgentKeyConstraints(1)));
    }

    [Theory]
    [InlineData(new byte[] { 20, 0, 0, 0, 1, (byte)'/' })]                          // no PIN
    [InlineData(new byte[] { 20, 0, 0, 0, 2, (byte)'/', 0, 0, 0, 0, 0 })]           // NUL in the provider
    [InlineData(new byte[] { 26, 0, 0, 0, 1, (byte)'/', 0, 0, 0, 0, 9 })]           // unknown constraint
    [InlineData(new byte[] { 21, 0, 0, 0, 1, (byte)'/', 0, 0, 0, 0, 2 })]           // a remove with trailing bytes
    public void MalformedRequestsAreRejected(byte[] bytes)
    {
        Assert.ThrowsAny<SshProtocolException>(() =>
        {
            var r = new SshReader(bytes);
            using var _ = SmartcardKeyMessage.Read(ref r);
        });
    }

    [Fact]
    public void DisposeZeroesThePin()
    {
        var m = new SmartcardKeyMessage(remove: false, "/p.so", "4321"u8);
        m.Dispose();
        Assert.Equal(new byte[4], m.Pin.ToArray());
    }

    [Fact]
    public async Task AgentRefusesMissingDisallowedAndUnknownProviders()
    {
        await using var h = new AgentHarness();
        await using var c = await h.ClientAsync();
        string dir = Directory.CreateTempSubdirectory("hop-p11-").FullName;
        try
        {
            string lib = Path.Combine(dir, "lib.so");
            File.WriteAllBytes(lib, [0x7f, (byte)'E', (byte)'L', (byte)'F']);
            await Assert.ThrowsAsync<SshAgentRefusedException>(() => c.AddSmartcardKeyAsync(Path.Combine(dir, "missing.so"), "1234".AsMemory()));
            await Assert.ThrowsAsync<SshAgentRefusedException>(() => c.AddSmartcardKeyAsync(lib, "1234".AsMemory()));
            await Assert.ThrowsAsync<SshAgentRefusedException>(() => c.RemoveSmartcardKeyAsync(lib));
            string[] log;
            lock (h.LogLines) log = [.. h.LogLines];
            Assert.Contains($"failed PKCS#11 add of \"{Path.Combine(dir, "missing.so")}\": realpath: No such file or directory", log);
            Assert.Contains($"refusing PKCS#11 add of \"{lib}\": provider not allowed", log);
            Assert.Contains("process_remove_smartcard_key: pkcs11_del_provider failed", log);
            // The PIN never reaches the log.
            Assert.DoesNotContain(log, l => l.Contains("1234", StringComparison.Ordinal));
            Assert.Empty(await c.RequestIdentitiesAsync());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
