using System.Buffers.Binary;
using System.Text;
using Hop.Ssh.Agent;
using Hop.Ssh.Keys;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Tests.Agent;

/// <summary>
/// The Pageant transport's requests and answers in a shared section, with a real agent behind it:
/// everything but the Win32 calls that carry the section's name to the window.
/// </summary>
public class PageantCopyDataTests
{
    private static readonly byte[] Data = "data to sign"u8.ToArray();

    /// <summary>An agent client whose requests go through a section of <paramref name="length"/> bytes, as PuTTY's do.</summary>
    private static AgentClient ClientThroughSection(AgentServer server, int length, List<byte[]>? sections = null)
    {
        int id = 0;
        return new AgentClient(new PageantClientStream(body =>
        {
            byte[] section = new byte[length];
            PageantCopyData.WriteRequest(section, body);
            var session = new AgentSession(++id);
            Assert.True(PageantCopyData.Answer(section, request => server.HandleAsync(session, request, CancellationToken.None).GetAwaiter().GetResult()));
            sections?.Add(section);
            return PageantCopyData.ReadReply(section);
        }));
    }

    [Fact]
    public void TheSectionNameIsPuttysAndTheWindowMessageCarriesItNulTerminated()
    {
        Assert.Equal("PageantRequest0000abcd", PageantCopyData.SectionName(0xabcd));
        Assert.Equal("PageantRequest0000abcd", PageantCopyData.ReadSectionName("PageantRequest0000abcd\0"u8));
        Assert.Null(PageantCopyData.ReadSectionName("PageantRequest0000abcd"u8));
        Assert.Null(PageantCopyData.ReadSectionName("Pageant\0Request\0"u8));
        Assert.Null(PageantCopyData.ReadSectionName("Global\\x y\0"u8));
        Assert.Null(PageantCopyData.ReadSectionName("\0"u8));
        Assert.Null(PageantCopyData.ReadSectionName(Encoding.ASCII.GetBytes(new string('a', 300) + "\0")));
    }

    [Fact]
    public async Task KeysAreAddedListedAndUsedThroughASection()
    {
        using var store = new AgentKeyStore();
        var server = new AgentServer(store);
        await using var client = ClientThroughSection(server, PageantCopyData.SectionLength);
        using var ed = Ed25519PrivateKey.Generate();
        using var rsa = RsaPrivateKey.Generate(2048);
        await client.AddAsync(ed, "ed");
        await client.AddAsync(rsa, "rsa");
        var ids = await client.RequestIdentitiesAsync();
        Assert.Equal(["ed", "rsa"], ids.Select(i => i.Comment));
        byte[] signature = await client.SignAsync(rsa.PublicKey, Data, AgentSignFlags.RsaSha2_512);
        Assert.True(rsa.PublicKey.Verify(Data, signature, "rsa-sha2-512"));
        await client.RemoveAsync(ed.PublicKey);
        Assert.Equal("rsa", Assert.Single(await client.RequestIdentitiesAsync()).Comment);
    }

    [Fact]
    public async Task AnAnswerTooLongForTheSectionIsAFailureAndAnAddedKeyDoesNotStayInIt()
    {
        using var store = new AgentKeyStore();
        var server = new AgentServer(store);
        var sections = new List<byte[]>();
        // 8 KiB, the section of PuTTY before 0.75: room to add a key, not to list forty.
        await using var client = ClientThroughSection(server, 8192, sections);
        using var rsa = RsaPrivateKey.Generate(2048);
        await client.AddAsync(rsa, "rsa");
        byte[] added = sections[^1];
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32BigEndian(added));
        Assert.Equal((byte)AgentMessageType.Success, added[4]);
        Assert.All(added[5..], b => Assert.Equal(0, b));
        for (int i = 0; i < 40; i++)
        {
            using var ed = Ed25519PrivateKey.Generate();
            await client.AddAsync(ed, new string('c', 200));
        }
        await Assert.ThrowsAsync<SshAgentRefusedException>(() => client.RequestIdentitiesAsync());
        Assert.Equal(41, store.Count);
    }

    [Fact]
    public void MalformedRequestsGetNoAnswerAndLeaveTheSectionAlone()
    {
        using var store = new AgentKeyStore();
        var server = new AgentServer(store);
        SshBuffer Handle(byte[] request) => server.HandleAsync(new AgentSession(1), request, CancellationToken.None).GetAwaiter().GetResult();
        foreach (uint length in new uint[] { 0, 61, 0xffffffff })
        {
            byte[] section = new byte[64];
            BinaryPrimitives.WriteUInt32BigEndian(section, length);
            section[4] = (byte)AgentMessageType.RequestIdentities;
            byte[] before = section.ToArray();
            Assert.False(PageantCopyData.Answer(section, Handle));
            Assert.Equal(before, section);
        }
        Assert.False(PageantCopyData.Answer(new byte[4], Handle));
    }

    [Fact]
    public void AClientChecksTheAnswersLengthAgainstItsSection()
    {
        byte[] section = new byte[64];
        BinaryPrimitives.WriteUInt32BigEndian(section, 61);
        Assert.Throws<SshProtocolException>(() => PageantCopyData.ReadReply(section));
        BinaryPrimitives.WriteUInt32BigEndian(section, 0);
        Assert.Throws<SshProtocolException>(() => PageantCopyData.ReadReply(section));
        Assert.Throws<SshProtocolException>(() => PageantCopyData.WriteRequest(section, new byte[61]));
        BinaryPrimitives.WriteUInt32BigEndian(section, 60);
        Assert.Equal(60, PageantCopyData.ReadReply(section).Length);
    }
}
