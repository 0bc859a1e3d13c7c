using System.Buffers.Binary;
using Hop.Ssh.Connection;

namespace Hop.Ssh.Tests.Connection;

/// <summary>The master's side of mux proxy mode: a proxy client's channels relayed over the connection, renumbered as OpenSSH's master does.</summary>
public class ConnectionRelayTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private static byte[] Message(byte type, params uint[] fields)
    {
        var m = new byte[1 + 4 * fields.Length];
        m[0] = type;
        for (int i = 0; i < fields.Length; i++) BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(1 + 4 * i), fields[i]);
        return m;
    }

    private static byte[] Open(uint sender) => [90, 0, 0, 0, 7, .. "session"u8, .. Message(0, sender, 4096, 1024)[1..]];

    private static async Task<byte[]> NextAsync(InMemoryPacketConnection end) => (await end.ReceiveAsync().AsTask().WaitAsync(Limit)).ToArray();

    [Fact]
    public async Task AClientsChannelsAreRenumberedOnTheWayOutAndBackAndClosedWhenItGoes()
    {
        var (ours, server) = InMemoryPacketConnection.CreatePair();
        await using var connection = new SshConnection(ours);
        connection.Start();
        // The master's own channel 0, which the server numbers 500.
        var own = connection.OpenSessionAsync();
        Assert.Equal(Open(0)[..12], (await NextAsync(server))[..12]);
        await server.SendAsync(Message(91, 0, 500, 65536, 32768));
        await own.WaitAsync(Limit);

        var (down, client) = InMemoryPacketConnection.CreatePair();
        var relaying = connection.RelayAsync(down);
        // The client numbers its channel 0 too: it goes out as 1, and comes back as 0.
        await client.SendAsync(Open(0));
        Assert.Equal(Open(1), await NextAsync(server));
        await server.SendAsync(Message(91, 1, 700, 2048, 1024));
        Assert.Equal(Message(91, 0, 700, 2048, 1024), await NextAsync(client));
        byte[] data = [94, 0, 0, 2, 188, 0, 0, 0, 1, 0x41];
        await client.SendAsync(data);
        Assert.Equal(data, await NextAsync(server));
        await server.SendAsync(Message(93, 1, 100));
        Assert.Equal(Message(93, 0, 100), await NextAsync(client));

        // A message for the master's own channel (the server's 500) ends the relay, and the client's channel is closed.
        await client.SendAsync(Message(96, 500));
        await Assert.ThrowsAsync<SshProtocolException>(() => relaying.WaitAsync(Limit));
        Assert.Equal(Message(97, 700), await NextAsync(server));
        await server.SendAsync(Message(97, 1));
        // The connection itself goes on: the master's channel still gets its data.
        Assert.False(connection.Completion.IsCompleted);
        Assert.Equal(1, connection.ChannelCount);
    }
    private static byte[] Str(string text) => [.. Message(0, (uint)text.Length)[1..], .. System.Text.Encoding.ASCII.GetBytes(text)];

    private static byte[] GlobalRequest(string name, bool wantReply, byte[] data) => [80, .. Str(name), wantReply ? (byte)1 : (byte)0, .. data];

    private static byte[] Forward(string address, uint port) => [.. Str(address), .. Message(0, port)[1..]];

    private static byte[] ForwardedOpen(uint sender, string address, uint port) =>
        [90, .. Str("forwarded-tcpip"), .. Message(0, sender, 65536, 32768)[1..], .. Forward(address, port), .. Forward("127.0.0.1", 50000)];

    [Fact]
    public async Task AClientsRemoteForwardGetsTheServersAnswerAndItsConnectionsAndIsCancelledWhenItGoes()
    {
        var (ours, server) = InMemoryPacketConnection.CreatePair();
        await using var connection = new SshConnection(ours);
        connection.Start();
        var (down, client) = InMemoryPacketConnection.CreatePair();
        var relaying = connection.RelayAsync(down);

        // tcpip-forward for port 0: the server's answer, with the port it chose (40000), comes back.
        await client.SendAsync(GlobalRequest("tcpip-forward", true, Forward("127.0.0.1", 0)));
        Assert.Equal(GlobalRequest("tcpip-forward", true, Forward("127.0.0.1", 0)), await NextAsync(server));
        byte[] success = [81, .. Message(0, 40000)[1..]];
        await server.SendAsync(success);
        Assert.Equal(success, await NextAsync(client));

        // A connection to it: the client gets the server's CHANNEL_OPEN as it is, and its confirmation
        // (its channel 7) goes out with a number of ours (0: the master has no channels of its own).
        await server.SendAsync(ForwardedOpen(300, "127.0.0.1", 40000));
        Assert.Equal(ForwardedOpen(300, "127.0.0.1", 40000), await NextAsync(client));
        await client.SendAsync(Message(91, 300, 7, 4096, 1024));
        Assert.Equal(Message(91, 300, 0, 4096, 1024), await NextAsync(server));
        await server.SendAsync(Message(93, 0, 100));
        Assert.Equal(Message(93, 7, 100), await NextAsync(client));
        byte[] data = [94, 0, 0, 1, 44, 0, 0, 0, 1, 0x41];
        await client.SendAsync(data);
        Assert.Equal(data, await NextAsync(server));
        // A second connection the client refuses: its failure goes out as it is.
        await server.SendAsync(ForwardedOpen(301, "127.0.0.1", 40000));
        Assert.Equal(ForwardedOpen(301, "127.0.0.1", 40000), await NextAsync(client));
        await client.SendAsync(Message(92, 301, 2, 0, 0));
        Assert.Equal(Message(92, 301, 2, 0, 0), await NextAsync(server));

        // Other global requests fail here, and so does cancelling a forward it did not make: none reaches the server.
        await client.SendAsync(GlobalRequest("keepalive@openssh.com", true, []));
        Assert.Equal(new byte[] { 82 }, await NextAsync(client));
        await client.SendAsync(GlobalRequest("cancel-tcpip-forward", true, Forward("127.0.0.1", 22)));
        Assert.Equal(new byte[] { 82 }, await NextAsync(client));

        // The client goes: its forward is cancelled (wanting no reply) and its channel closed.
        await client.DisposeAsync();
        await relaying.WaitAsync(Limit);
        var left = new[] { await NextAsync(server), await NextAsync(server) };
        Assert.Contains(GlobalRequest("cancel-tcpip-forward", false, Forward("127.0.0.1", 40000)), left);
        Assert.Contains(Message(97, 300), left);
        // A connection that races the cancel is the master's to refuse, as one for no forward at all.
        await server.SendAsync(ForwardedOpen(302, "127.0.0.1", 40000));
        Assert.Equal(92, (await NextAsync(server))[0]);
        Assert.False(connection.Completion.IsCompleted);
    }
}
