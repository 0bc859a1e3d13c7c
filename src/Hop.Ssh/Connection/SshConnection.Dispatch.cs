using Hop.Ssh.Connection.Messages;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Connection;

/// <summary>The receive loop: every message of the connection protocol, dispatched in order.</summary>
public sealed partial class SshConnection
{
    private long _lastReceived = Environment.TickCount64;

    private async Task ReceiveLoopAsync()
    {
        try
        {
            try
            {
                while (true)
                {
                    var receiving = _packets.ReceiveAsync(_stopping.Token);
                    // Out of received packets: let the readers take what came before waiting. Our
                    // own transport does that itself before every socket read (see the constructor),
                    // on the thread that runs the receive; flushing here too would race with it,
                    // since that read may complete on another thread while this one flushes.
                    if (!receiving.IsCompleted && !_flushesBeforeRead) FlushDeliveries();
                    var payload = await receiving.ConfigureAwait(false);
                    Volatile.Write(ref _lastReceived, Environment.TickCount64);
                    Dispatch(payload);
                }
            }
            finally
            {
                // What arrived before a failure still reaches the readers.
                FlushDeliveries();
            }
        }
        catch (SshProtocolException e)
        {
            if (Fail(e))
            {
                try
                {
                    await _packets.DisconnectAsync(DisconnectProtocolError, e.Message, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception d) when (d is SshException or IOException or ObjectDisposedException or OperationCanceledException)
                {
                    // The peer is gone too.
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            Fail(new SshConnectionException("connection closed"));
        }
        catch (SshException e)
        {
            Fail(e);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            Fail(new SshConnectionException($"connection lost: {e.Message}", e));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug of ours must not leave every channel waiting forever.
            Fail(new SshConnectionException($"connection failed: {e.Message}", e));
        }
    }

    /// <summary>Inbound streams with data delivered but not yet flushed; the receive loop's alone.</summary>
    private readonly List<InboundStream> _unflushed = [];

    internal void FlushLater(InboundStream stream) => _unflushed.Add(stream);

    /// <summary>
    /// True when delivered data (slices of the transport's receive buffer) stays unchanged until the
    /// deliveries are flushed: our transport flushes them before it reads from the socket again or
    /// moves what its buffer holds. Other packet connections promise less, so their data is copied.
    /// </summary>
    internal bool DeliveriesStayUntilFlushed => _flushesBeforeRead;

    private void FlushDeliveries()
    {
        foreach (var stream in _unflushed) stream.FlushQueued();
        _unflushed.Clear();
    }

    private void Dispatch(ReadOnlyMemory<byte> message)
    {
        var payload = message.Span;
        if (payload.IsEmpty) throw new SshProtocolException("empty message");
        if (DispatchRelayed(payload)) return;
        var reader = new SshReader(payload);
        switch (payload[0])
        {
            case ConnectionMessageNumbers.ChannelData:
                {
                    // The data is the rest of the message (Read checks that it ends there): handed on as
                    // memory, which a sink may write after the dispatch, before the next socket read.
                    var m = ChannelDataMessage.Read(ref reader);
                    ChannelFor(m.RecipientChannel).OnData(message[ChannelDataMessage.HeaderLength..]);
                    break;
                }
            case ConnectionMessageNumbers.ChannelExtendedData:
                {
                    var m = ChannelExtendedDataMessage.Read(ref reader);
                    ChannelFor(m.RecipientChannel).OnExtendedData(m.DataTypeCode, message[ChannelExtendedDataMessage.HeaderLength..]);
                    break;
                }
            case ConnectionMessageNumbers.ChannelWindowAdjust:
                {
                    var m = ChannelWindowAdjustMessage.Read(ref reader);
                    ChannelFor(m.RecipientChannel).OnWindowAdjust(m.BytesToAdd);
                    break;
                }
            case ConnectionMessageNumbers.ChannelEof:
            case ConnectionMessageNumbers.ChannelClose:
            case ConnectionMessageNumbers.ChannelSuccess:
            case ConnectionMessageNumbers.ChannelFailure:
                {
                    var m = ChannelSignalMessage.Read(ref reader);
                    var channel = ChannelFor(m.RecipientChannel);
                    switch (m.MessageNumber)
                    {
                        case ConnectionMessageNumbers.ChannelEof: channel.OnEof(); break;
                        case ConnectionMessageNumbers.ChannelClose: channel.OnClose(); break;
                        default: channel.OnRequestReply(m.MessageNumber == ConnectionMessageNumbers.ChannelSuccess); break;
                    }
                    break;
                }
            case ConnectionMessageNumbers.ChannelRequest:
                {
                    var m = ChannelRequestMessage.Read(ref reader);
                    ChannelFor(m.RecipientChannel).OnRequestMessage(m);
                    break;
                }
            case ConnectionMessageNumbers.ChannelOpenConfirmation:
                {
                    var m = ChannelOpenConfirmationMessage.Read(ref reader);
                    ChannelFor(m.RecipientChannel).OnOpenConfirmation(m);
                    break;
                }
            case ConnectionMessageNumbers.ChannelOpenFailure:
                {
                    var m = ChannelOpenFailureMessage.Read(ref reader);
                    ChannelFor(m.RecipientChannel).OnOpenFailure(m);
                    break;
                }
            case ConnectionMessageNumbers.ChannelOpen:
                {
                    var open = ChannelOpenMessage.Read(ref reader);
                    if (!DispatchRelayedOpen(open, payload)) OnChannelOpen(open);
                    break;
                }
            case ConnectionMessageNumbers.GlobalRequest:
                OnGlobalRequest(GlobalRequestMessage.Read(ref reader));
                break;
            case ConnectionMessageNumbers.RequestSuccess:
                OnGlobalReply(new GlobalRequestReply(true, RequestSuccessMessage.Read(ref reader).ResponseData));
                break;
            case ConnectionMessageNumbers.RequestFailure:
                RequestFailureMessage.Read(ref reader);
                OnGlobalReply(new GlobalRequestReply(false, ReadOnlyMemory<byte>.Empty));
                break;
            default:
                throw new SshProtocolException($"unexpected message {payload[0]} on the connection protocol");
        }
    }

    private SshChannel ChannelFor(uint localChannelId)
        => _channels.TryGetValue(localChannelId, out var channel)
            ? channel
            : throw new SshProtocolException($"message for unknown channel {localChannelId}");

    private void OnGlobalRequest(GlobalRequestMessage request)
    {
        // Requests without a handler get a failure when they want a reply (keepalives too, as from OpenSSH).
        bool success = _globalHandlers.TryGetValue(request.RequestName, out var handler) && handler(request.RequestData);
        if (request.WantReply) SendInBackground([success ? ConnectionMessageNumbers.RequestSuccess : ConnectionMessageNumbers.RequestFailure]);
    }

    private void OnGlobalReply(GlobalRequestReply reply)
    {
        Volatile.Write(ref _unansweredKeepalives, 0);
        TaskCompletionSource<GlobalRequestReply>? waiter;
        lock (_globalLock)
        {
            _pendingGlobalRequests.TryDequeue(out waiter);
        }
        if (waiter is null) throw new SshProtocolException("reply to a global request that was never made");
        waiter.TrySetResult(reply);
    }

    private void OnChannelOpen(ChannelOpenMessage open)
    {
        if (!_openHandlers.TryGetValue(open.ChannelType, out var handler))
        {
            RefuseOpen(open.SenderChannel, ChannelOpenFailureReason.AdministrativelyProhibited, "open failed");
            return;
        }
        if (open.MaximumPacketSize == 0)
        {
            RefuseOpen(open.SenderChannel, ChannelOpenFailureReason.ConnectFailed, "maximum packet size 0");
            return;
        }
        var incoming = new IncomingChannelOpen(this, open);
        _ = Task.Run(async () =>
        {
            try
            {
                await handler(incoming).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                incoming.RejectIfUndecided(ChannelOpenFailureReason.ConnectFailed, e.Message);
                return;
            }
            incoming.RejectIfUndecided(ChannelOpenFailureReason.ConnectFailed, "open failed");
        });
    }

    internal void RefuseOpen(uint senderChannel, ChannelOpenFailureReason reason, string description)
    {
        using var buffer = new SshBuffer();
        var writer = buffer.Writer;
        new ChannelOpenFailureMessage { RecipientChannel = senderChannel, ReasonCode = reason, Description = description }.Write(ref writer);
        SendInBackground(buffer.ToArray());
    }
}
