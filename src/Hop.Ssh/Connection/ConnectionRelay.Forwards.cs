using System.Buffers.Binary;
using Hop.Ssh.Connection.Messages;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Connection;

/// <summary>
/// A proxy client's global requests and remote forwards (-R). Its tcpip-forward goes to the server
/// and the server's answer back to it (OpenSSH's master keeps the answer); the forward is then the
/// client's: the server's forwarded-tcpip channels for that address and port go to the client, which
/// confirms them with a channel number of its own that goes out as one of ours. It may cancel only
/// forwards it made, and those left when it goes are cancelled. Any other global request fails (as a
/// server answers one it does not know), so a client's keepalives are answered too.
/// </summary>
internal sealed partial class ConnectionRelay
{
    /// <summary>The client's forwards on the server, by the address and port the server listens on.</summary>
    private readonly HashSet<(string Address, uint Port)> _forwards = [];

    /// <summary>Channels the server opened for the client's forwards that the client has not yet answered: the server's numbers.</summary>
    private readonly HashSet<uint> _opening = [];

    private async Task GlobalRequestAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var reader = new SshReader(payload.Span);
        var request = GlobalRequestMessage.Read(ref reader);
        var reply = request.RequestName switch
        {
            GlobalRequestMessage.TcpipForward => await ForwardAsync(request, cancellationToken).ConfigureAwait(false),
            GlobalRequestMessage.CancelTcpipForward => await CancelAsync(request, cancellationToken).ConfigureAwait(false),
            _ => new GlobalRequestReply(false, ReadOnlyMemory<byte>.Empty),
        };
        if (!request.WantReply) return;
        using var buffer = new SshBuffer();
        var writer = buffer.Writer;
        if (reply.Success) new RequestSuccessMessage { ResponseData = reply.ResponseData }.Write(ref writer);
        else new RequestFailureMessage().Write(ref writer);
        _toClient.Writer.TryWrite(buffer.ToArray());
    }

    /// <summary>tcpip-forward: asked of the server (always wanting its answer, to know the port); the forward is the client's once the server listens.</summary>
    private async Task<GlobalRequestReply> ForwardAsync(GlobalRequestMessage request, CancellationToken cancellationToken)
    {
        var forward = ReadForward(request);
        // A fixed port is the client's before the answer, so that a connection racing it is served.
        if (forward.Port != 0 && !Claim(forward.Address, forward.Port)) return new GlobalRequestReply(false, ReadOnlyMemory<byte>.Empty);
        var reply = await _connection.SendGlobalRequestAsync(GlobalRequestMessage.TcpipForward, request.RequestData, true, cancellationToken).ConfigureAwait(false);
        uint port = forward.Port;
        if (reply.Success && port == 0)
        {
            var r = new SshReader(reply.ResponseData.Span);
            port = r.ReadUInt32();
            r.EnsureEnd();
            if (!Claim(forward.Address, port))
            {
                _connection.SendInBackground(CancelMessage(forward.Address, port));
                return new GlobalRequestReply(false, ReadOnlyMemory<byte>.Empty);
            }
        }
        if (!reply.Success && port != 0) Release(forward.Address, port);
        return reply;
    }

    /// <summary>cancel-tcpip-forward: only of a forward the client made.</summary>
    private async Task<GlobalRequestReply> CancelAsync(GlobalRequestMessage request, CancellationToken cancellationToken)
    {
        var forward = ReadForward(request);
        lock (_lock)
        {
            if (!_forwards.Contains((forward.Address, forward.Port))) return new GlobalRequestReply(false, ReadOnlyMemory<byte>.Empty);
        }
        var reply = await _connection.SendGlobalRequestAsync(GlobalRequestMessage.CancelTcpipForward, request.RequestData, true, cancellationToken).ConfigureAwait(false);
        if (reply.Success) Release(forward.Address, forward.Port);
        return reply;
    }

    private static TcpipForwardRequest ReadForward(GlobalRequestMessage request)
    {
        var r = new SshReader(request.RequestData.Span);
        return TcpipForwardRequest.Read(ref r);
    }

    /// <summary>Makes the forward the client's; false when the client has gone or the connection already routes it elsewhere.</summary>
    private bool Claim(string address, uint port)
    {
        lock (_lock)
        {
            if (_detached || !_connection.TryRouteForward(address, port, this)) return false;
            _forwards.Add((address, port));
            return true;
        }
    }

    private void Release(string address, uint port)
    {
        lock (_lock)
        {
            if (_forwards.Remove((address, port))) _connection.StopRoutingForward(address, port, this);
        }
    }

    /// <summary>
    /// A CHANNEL_OPEN from the server for one of the client's forwards, on the receive loop: handed to
    /// the client unchanged (its sender number is the server's, which the client's messages carry).
    /// False when the client has gone.
    /// </summary>
    public bool OpenFromServer(uint serverChannel, ReadOnlySpan<byte> message)
    {
        lock (_lock)
        {
            if (_detached || !_opening.Add(serverChannel)) return false;
            _toClient.Writer.TryWrite(message.ToArray());
            return true;
        }
    }

    /// <summary>
    /// The client's OPEN_CONFIRMATION or OPEN_FAILURE for a channel the server opened: a confirmation
    /// goes out with a channel number of ours in place of the client's.
    /// </summary>
    private byte[] Answer(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 5) throw new SshProtocolException($"mux proxy client sent a short message {payload[0]}");
        uint server = BinaryPrimitives.ReadUInt32BigEndian(payload[1..]);
        byte[] answer = payload.ToArray();
        lock (_lock)
        {
            if (!_opening.Remove(server)) throw new SshProtocolException($"mux proxy client answered channel {server}, which the server did not open for it");
            if (answer[0] != ConnectionMessageNumbers.ChannelOpenConfirmation) return answer;
            if (answer.Length < 9) throw new SshProtocolException("mux proxy client sent a short OPEN_CONFIRMATION");
            uint clientId = BinaryPrimitives.ReadUInt32BigEndian(answer.AsSpan(5));
            uint ours = _connection.AllocateRelayed(this);
            _byOurs[ours] = new Entry(clientId) { ServerId = server };
            _oursByServer[server] = ours;
            BinaryPrimitives.WriteUInt32BigEndian(answer.AsSpan(5), ours);
        }
        return answer;
    }

    /// <summary>On detaching, under the lock: the server's opens the client left unanswered are refused and its forwards cancelled.</summary>
    private void DetachForwardsLocked()
    {
        foreach (uint server in _opening) _connection.RefuseOpen(server, ChannelOpenFailureReason.ConnectFailed, "mux proxy client gone");
        _opening.Clear();
        foreach (var (address, port) in _forwards)
        {
            _connection.StopRoutingForward(address, port, this);
            _connection.SendInBackground(CancelMessage(address, port));
        }
        _forwards.Clear();
    }

    /// <summary>cancel-tcpip-forward without wanting a reply: replies come in request order, and nothing would wait for this one.</summary>
    private static byte[] CancelMessage(string address, uint port)
    {
        using var buffer = new SshBuffer();
        var writer = buffer.Writer;
        new GlobalRequestMessage { RequestName = GlobalRequestMessage.CancelTcpipForward, WantReply = false, RequestData = SshConnection.EncodeForward(address, port) }.Write(ref writer);
        return buffer.ToArray();
    }
}
