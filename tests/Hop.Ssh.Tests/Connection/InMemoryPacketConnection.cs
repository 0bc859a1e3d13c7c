using System.Threading.Channels;
using Hop.Ssh.Transport;

namespace Hop.Ssh.Tests.Connection;

/// <summary>
/// One end of an in-memory pair of <see cref="IPacketConnection"/>: two queues, payloads copied on
/// send. The memory ReceiveAsync returns is overwritten on the next call, so a layer that keeps it
/// too long reads garbage and fails its test.
/// </summary>
public sealed class InMemoryPacketConnection : IPacketConnection
{
    private readonly Channel<byte[]> _incoming;
    private readonly Channel<byte[]> _outgoing;
    private byte[] _current = new byte[1024];
    private int _currentLength;

    private InMemoryPacketConnection(Channel<byte[]> incoming, Channel<byte[]> outgoing)
    {
        _incoming = incoming;
        _outgoing = outgoing;
    }

    public static (InMemoryPacketConnection Client, InMemoryPacketConnection Server) CreatePair()
    {
        var toServer = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
        var toClient = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
        var client = new InMemoryPacketConnection(toClient, toServer);
        var server = new InMemoryPacketConnection(toServer, toClient);
        client.Peer = server;
        server.Peer = client;
        return (client, server);
    }

    public InMemoryPacketConnection Peer { get; private set; } = null!;

    /// <summary>The DISCONNECT this end sent, if any.</summary>
    public (uint Reason, string Description)? SentDisconnect { get; private set; }

    public ReadOnlyMemory<byte> SessionId { get; } = new byte[32];

    public long MessagesSent;

    public ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_outgoing.Writer.TryWrite(payload.ToArray())) throw new SshConnectionException("connection closed");
        Interlocked.Increment(ref MessagesSent);
        return default;
    }

    public async ValueTask<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        _current.AsSpan(0, _currentLength).Fill(0xCC);
        byte[] next;
        try
        {
            next = await _incoming.Reader.ReadAsync(cancellationToken);
        }
        catch (ChannelClosedException e)
        {
            throw e.InnerException as SshException ?? new SshConnectionException("connection closed by peer");
        }
        if (next.Length > _current.Length) _current = new byte[Math.Max(next.Length, _current.Length * 2)];
        next.CopyTo(_current, 0);
        _currentLength = next.Length;
        return _current.AsMemory(0, next.Length);
    }

    public ValueTask DisconnectAsync(uint reasonCode, string description, CancellationToken cancellationToken = default)
    {
        SentDisconnect ??= (reasonCode, description);
        _outgoing.Writer.TryComplete(new SshConnectionException($"Disconnected from peer: {description}"));
        _incoming.Writer.TryComplete(new SshConnectionException("connection closed"));
        return default;
    }

    /// <summary>The link breaks: both ends fail to receive.</summary>
    public void Drop()
    {
        _outgoing.Writer.TryComplete(new SshConnectionException("Connection reset by peer"));
        _incoming.Writer.TryComplete(new SshConnectionException("Connection reset by peer"));
    }

    public ValueTask DisposeAsync()
    {
        _outgoing.Writer.TryComplete();
        _incoming.Writer.TryComplete();
        return default;
    }
}
