using System.Buffers.Binary;
using Hop.Ssh.Connection.Messages;
using Hop.Ssh.Transport;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Connection;

/// <summary>
/// Relays a proxy-mode mux client's channels over this connection, as OpenSSH's master does for
/// ssh -O proxy: the client's CHANNEL_OPEN goes out with a channel number of ours (clients pick
/// theirs without regard to each other), and what the server sends on that channel comes back with
/// the client's number; the client's other channel messages carry the server's numbers and go out
/// unchanged, but only for its own channels (opened here, or taken for its forwards). Its remote
/// forwards and other global requests: see ConnectionRelay.Forwards.cs. Other channels the server
/// opens stay the master's. When the client goes, its channels still open are closed.
/// </summary>
internal sealed partial class ConnectionRelay
{
    private sealed class Entry(uint clientId)
    {
        public uint ClientId { get; } = clientId;
        public uint? ServerId { get; set; }
        public bool CloseSent { get; set; }
        public bool CloseReceived { get; set; }
    }

    private readonly SshConnection _connection;
    private readonly IPacketConnection _client;
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, Entry> _byOurs = [];
    private readonly Dictionary<uint, uint> _oursByServer = [];
    private readonly System.Threading.Channels.Channel<byte[]> _toClient =
        System.Threading.Channels.Channel.CreateUnbounded<byte[]>(new() { SingleReader = true });
    private bool _detached;

    public ConnectionRelay(SshConnection connection, IPacketConnection client)
    {
        _connection = connection;
        _client = client;
    }

    /// <summary>Relays until the client goes (or breaks the protocol: an <see cref="SshProtocolException"/>), then closes what it left open.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var writing = Task.Run(() => WriteToClientAsync(cancellationToken), CancellationToken.None);
        try
        {
            while (true)
            {
                ReadOnlyMemory<byte> payload;
                try
                {
                    payload = await _client.ReceiveAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (SshConnectionException e) when (e is not SshProtocolException)
                {
                    return; // the client closed the socket
                }
                await FromClientAsync(payload, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            Detach();
            _toClient.Writer.TryComplete();
            try
            {
                await writing.ConfigureAwait(false);
            }
            catch (Exception e) when (e is SshException or IOException or ObjectDisposedException or OperationCanceledException)
            {
                // The client is gone; nothing more to tell it.
            }
        }
    }

    private async Task WriteToClientAsync(CancellationToken cancellationToken)
    {
        await foreach (var message in _toClient.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            await _client.SendAsync(message, cancellationToken).ConfigureAwait(false);
    }

    private async Task FromClientAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        byte type = payload.Span[0];
        switch (type)
        {
            case ConnectionMessageNumbers.GlobalRequest:
                await GlobalRequestAsync(payload, cancellationToken).ConfigureAwait(false);
                return;
            case ConnectionMessageNumbers.ChannelOpen:
                await SendAsync(Open(payload.Span), cancellationToken).ConfigureAwait(false);
                return;
            case ConnectionMessageNumbers.ChannelOpenConfirmation or ConnectionMessageNumbers.ChannelOpenFailure:
                await SendAsync(Answer(payload.Span), cancellationToken).ConfigureAwait(false);
                return;
            case >= ConnectionMessageNumbers.ChannelWindowAdjust and <= ConnectionMessageNumbers.ChannelFailure:
                if (payload.Length < 5) throw new SshProtocolException($"mux proxy client sent a short message {type}");
                uint server = BinaryPrimitives.ReadUInt32BigEndian(payload.Span[1..]);
                lock (_lock)
                {
                    if (!_oursByServer.TryGetValue(server, out uint ours)) throw new SshProtocolException($"mux proxy client used channel {server}, which it did not open");
                    var entry = _byOurs[ours];
                    if (type == ConnectionMessageNumbers.ChannelClose && !entry.CloseSent)
                    {
                        entry.CloseSent = true;
                        if (entry.CloseReceived) Remove(ours, entry);
                    }
                }
                await SendAsync(payload, cancellationToken).ConfigureAwait(false);
                return;
            default:
                throw new SshProtocolException($"mux proxy client sent message {type}, which the master does not relay");
        }
    }

    /// <summary>The client's CHANNEL_OPEN with a channel number of ours in place of its own.</summary>
    private byte[] Open(ReadOnlySpan<byte> payload)
    {
        var reader = new SshReader(payload);
        reader.ReadByte();
        reader.ReadUtf8(256);
        int at = payload.Length - reader.Remaining;
        uint clientId = reader.ReadUInt32();
        byte[] open = payload.ToArray();
        lock (_lock)
        {
            if (_detached) throw new SshConnectionException("mux proxy client gone");
            uint ours = _connection.AllocateRelayed(this);
            _byOurs[ours] = new Entry(clientId);
            BinaryPrimitives.WriteUInt32BigEndian(open.AsSpan(at), ours);
        }
        return open;
    }

    /// <summary>A message from the server for channel <paramref name="ours"/>, on the receive loop: renumbered and queued for the client.</summary>
    public void FromServer(uint ours, ReadOnlySpan<byte> message)
    {
        byte type = message[0];
        byte[]? close = null;
        byte[] copy;
        lock (_lock)
        {
            if (!_byOurs.TryGetValue(ours, out var entry)) return;
            switch (type)
            {
                case ConnectionMessageNumbers.ChannelOpenConfirmation when message.Length >= 9:
                    uint server = BinaryPrimitives.ReadUInt32BigEndian(message[5..]);
                    entry.ServerId = server;
                    _oursByServer[server] = ours;
                    if (_detached)
                    {
                        entry.CloseSent = true;
                        close = Close(server);
                    }
                    break;
                case ConnectionMessageNumbers.ChannelOpenFailure:
                    Remove(ours, entry);
                    break;
                case ConnectionMessageNumbers.ChannelClose:
                    entry.CloseReceived = true;
                    if (entry.CloseSent) Remove(ours, entry);
                    break;
            }
            if (_detached)
            {
                if (close is not null) _connection.SendInBackground(close);
                return;
            }
            copy = message.ToArray();
            BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(1), entry.ClientId);
        }
        _toClient.Writer.TryWrite(copy);
    }

    /// <summary>The client has gone: its channels are closed on the server (those still opening once they open), and its forwards cancelled.</summary>
    private void Detach()
    {
        lock (_lock)
        {
            _detached = true;
            DetachForwardsLocked();
            foreach (var (ours, entry) in _byOurs.ToList())
            {
                if (entry.ServerId is not { } server || entry.CloseSent) continue;
                entry.CloseSent = true;
                _connection.SendInBackground(Close(server));
                if (entry.CloseReceived) Remove(ours, entry);
            }
        }
    }

    private void Remove(uint ours, Entry entry)
    {
        _byOurs.Remove(ours);
        if (entry.ServerId is { } server) _oursByServer.Remove(server);
        _connection.ReleaseRelayed(ours);
    }

    private static byte[] Close(uint server) => ChannelSignalMessage.Close(server).ToArray();

    private ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) => _connection.SendAsync(payload, cancellationToken);
}
