using System.Buffers.Binary;
using System.Collections.Concurrent;
using Hop.Ssh.Transport;

namespace Hop.Ssh.Connection;

/// <summary>Channels relayed for proxy-mode mux clients (<see cref="ConnectionRelay"/>).</summary>
public sealed partial class SshConnection
{
    private readonly ConcurrentDictionary<uint, ConnectionRelay> _relayed = new();

    /// <summary>Remote forwards that proxy clients made, by the address and port the server listens on.</summary>
    private readonly ConcurrentDictionary<(string Address, uint Port), ConnectionRelay> _relayedForwards = new();

    /// <summary>
    /// How many entries the two maps above hold, read on every message received: ConcurrentDictionary's
    /// IsEmpty takes every one of its locks when the map is empty, as these nearly always are.
    /// </summary>
    private int _relayedCount;
    private int _relayedForwardCount;

    /// <summary>
    /// Relays the channels of a mux client in proxy mode (ssh -O proxy), whose connection-protocol
    /// messages <paramref name="client"/> carries, over this connection until the client goes; its
    /// channels still open are then closed. A client that breaks the protocol ends with <see cref="SshProtocolException"/>.
    /// </summary>
    public Task RelayAsync(IPacketConnection client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ThrowIfFailed();
        return new ConnectionRelay(this, client).RunAsync(cancellationToken);
    }

    /// <summary>A channel number of ours for a relayed channel, free among our own channels and the relayed ones.</summary>
    internal uint AllocateRelayed(ConnectionRelay relay)
    {
        lock (_channelIdLock)
        {
            uint id = TakeFreeChannelIdLocked();
            _relayed[id] = relay;
            Interlocked.Increment(ref _relayedCount);
            return id;
        }
    }

    /// <summary>The next channel number that is neither one of our channels nor a relayed one; under <c>_channelIdLock</c>.</summary>
    private uint TakeFreeChannelIdLocked()
    {
        while (_channels.ContainsKey(_nextChannelId) || _relayed.ContainsKey(_nextChannelId)) _nextChannelId++;
        return _nextChannelId++;
    }

    internal void ReleaseRelayed(uint id)
    {
        if (_relayed.TryRemove(id, out _)) Interlocked.Decrement(ref _relayedCount);
    }

    /// <summary>Routes the server's forwarded-tcpip channels for address:port to <paramref name="relay"/>; false when another relay has them.</summary>
    internal bool TryRouteForward(string address, uint port, ConnectionRelay relay)
    {
        if (!_relayedForwards.TryAdd((address, port), relay)) return false;
        Interlocked.Increment(ref _relayedForwardCount);
        return true;
    }

    internal void StopRoutingForward(string address, uint port, ConnectionRelay relay)
    {
        if (_relayedForwards.TryRemove(new KeyValuePair<(string, uint), ConnectionRelay>((address, port), relay))) Interlocked.Decrement(ref _relayedForwardCount);
    }

    /// <summary>
    /// Hands the server's CHANNEL_OPEN for a proxy client's forward to its relay; false when it is for
    /// none. One whose client has just gone is refused.
    /// </summary>
    private bool DispatchRelayedOpen(Messages.ChannelOpenMessage open, ReadOnlySpan<byte> payload)
    {
        if (Volatile.Read(ref _relayedForwardCount) == 0 || open.Details is not Messages.TcpipChannelOpenDetails d
            || open.ChannelType != Messages.ChannelTypes.ForwardedTcpip
            || !_relayedForwards.TryGetValue((d.Host, d.Port), out var relay)) return false;
        if (!relay.OpenFromServer(open.SenderChannel, payload)) RefuseOpen(open.SenderChannel, Messages.ChannelOpenFailureReason.ConnectFailed, "mux proxy client gone");
        return true;
    }

    /// <summary>Hands a channel message for a relayed channel to its relay; false when the channel is not relayed.</summary>
    private bool DispatchRelayed(ReadOnlySpan<byte> payload)
    {
        if (Volatile.Read(ref _relayedCount) == 0 || payload.Length < 5 || payload[0] is < Messages.ConnectionMessageNumbers.ChannelOpenConfirmation or > Messages.ConnectionMessageNumbers.ChannelFailure) return false;
        uint id = BinaryPrimitives.ReadUInt32BigEndian(payload[1..]);
        if (!_relayed.TryGetValue(id, out var relay)) return false;
        relay.FromServer(id, payload);
        return true;
    }
}
