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
}
