using System.IO.Pipelines;
using Hop.Ssh.Connection.Messages;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Connection;

/// <summary>
/// One channel of an <see cref="SshConnection"/> (RFC 4254 §5): flow-controlled data both ways,
/// extended data (stderr) apart, EOF and CLOSE in order, and channel requests with replies.
/// Incoming data is exposed as <see cref="Output"/> / <see cref="ExtendedOutput"/> (PipeReaders, or
/// as Streams); outgoing data goes through <see cref="WriteAsync"/> (one writer at a time, as with a Stream).
/// Both inbound streams share the one window: read both, or the peer stalls.
/// </summary>
public partial class SshChannel : IAsyncDisposable
{
    private enum State { Opening, Open, Abandoned, Closed, Failed }

    private readonly Lock _requestLock = new();
    private readonly Queue<TaskCompletionSource<bool>> _pendingRequests = new();
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly InboundStream _stdout;
    private readonly InboundStream _stderr;
    private volatile State _state;
    private int _eofSent;
    private int _closeSent;
    private bool _eofReceived;

    internal SshChannel(SshConnection connection, uint localChannelId, string channelType, ChannelSinks? sinks = null)
    {
        Connection = connection;
        LocalChannelId = localChannelId;
        ChannelType = channelType;
        Description = channelType == ChannelTypes.Session ? "client-session" : channelType;
        _localWindow = connection.Options.InitialWindowSize;
        _localWindowMax = connection.Options.InitialWindowSize;
        _localMaxPacket = connection.Options.MaximumPacketSize;
        _stdout = new InboundStream(this, sinks?.Output);
        _stderr = new InboundStream(this, sinks?.ExtendedOutput);
        TaskFaults.Observe(_closed.Task);
    }

    public SshConnection Connection { get; }
    public string ChannelType { get; }

    /// <summary>
    /// What the channel carries, in the words of OpenSSH's list of open channels (its remote_name,
    /// shown by "~#"): "client-session" for a session, the channel type unless the code that opened
    /// or accepted it says more (a -L forward names its listener and both ends of the connection).
    /// </summary>
    public string Description { get; set; }

    /// <summary>Our number for the channel (the recipient channel in what the peer sends).</summary>
    public uint LocalChannelId { get; }

    /// <summary>The peer's number for the channel (the recipient channel in what we send).</summary>
    public uint RemoteChannelId { get; private set; }

    /// <summary>False while the channel is opening: the peer has not given its number yet.</summary>
    public bool HasRemoteChannelId { get; private set; }

    /// <summary>Data from the peer (stdout of a session).</summary>
    public PipeReader Output => _stdout.Reader;

    /// <summary>Extended data of type 1 from the peer (stderr of a session).</summary>
    public PipeReader ExtendedOutput => _stderr.Reader;

    /// <summary>
    /// Completes when the streams given <see cref="ChannelSinks"/> have ended and all their data is
    /// written; faults when the channel fails first. Complete at once for a channel without sinks.
    /// </summary>
    public Task SinksWritten => Task.WhenAll(_stdout.Written, _stderr.Written);

    /// <summary>Completes when CLOSE went both ways; faults when the connection fails first.</summary>
    public Task Closed => _closed.Task;

    /// <summary>True once the peer sent EOF.</summary>
    public bool EofReceived => _eofReceived;

    /// <summary>A Stream over <see cref="Output"/>.</summary>
    public Stream GetOutputStream() => Output.AsStream();

    /// <summary>A Stream over <see cref="ExtendedOutput"/>.</summary>
    public Stream GetExtendedOutputStream() => ExtendedOutput.AsStream();

    /// <summary>A write-only Stream into the channel; disposing it sends EOF.</summary>
    public Stream GetInputStream() => new ChannelWriteStream(this);

    /// <summary>A Stream that reads <see cref="Output"/> and writes to the channel; disposing it closes the channel.</summary>
    public Stream GetStream() => new ChannelDuplexStream(this);

    /// <summary>Sends EOF: no more data from us. Idempotent.</summary>
    public async ValueTask SendEofAsync(CancellationToken cancellationToken = default)
    {
        if (_state is State.Closed or State.Failed || Volatile.Read(ref _closeSent) != 0) return;
        if (Interlocked.Exchange(ref _eofSent, 1) != 0) return;
        await Connection.SendAsync(ChannelSignalMessage.Eof(RemoteChannelId).ToArray(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends CLOSE (if not yet sent) and waits for the peer's CLOSE.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        await SendCloseAsync(cancellationToken).ConfigureAwait(false);
        await _closed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        try
        {
            await SendCloseAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (SshException)
        {
            // The connection is gone; nothing to close.
        }
        _stdout.Reader.Complete();
        _stderr.Reader.Complete();
    }

    /// <summary>
    /// Sends a channel request. With <paramref name="wantReply"/> the task gives the peer's answer
    /// (CHANNEL_SUCCESS → true); without, it completes true once sent.
    /// </summary>
    public async Task<bool> SendRequestAsync(string requestType, ChannelRequestDetails? details, bool wantReply, CancellationToken cancellationToken = default)
    {
        ThrowIfNotOpen();
        using var buffer = EncodeRequest(requestType, details, wantReply);
        if (!wantReply)
        {
            await Connection.SendAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            return true;
        }
        var reply = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        ValueTask sending;
        lock (_requestLock)
        {
            // Replies come in request order: queue and start the send under one lock. A channel that
            // closed meanwhile has already failed its queue, so check again here.
            ThrowIfNotOpen();
            _pendingRequests.Enqueue(reply);
            sending = Connection.SendAsync(buffer.WrittenMemory, cancellationToken);
        }
        await sending.ConfigureAwait(false);
        return await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends a request that wants a reply, with no caller waiting for it: <paramref name="onReply"/>
    /// runs on the receive thread, where the reply is read, with the peer's answer (and not at all
    /// when the channel ends first). For requests the receive loop itself sends, such as a command
    /// sent the moment the channel opens.
    /// </summary>
    internal void SendRequestInBackground(string requestType, ChannelRequestDetails? details, Action<bool> onReply)
    {
        byte[] payload;
        using (var buffer = EncodeRequest(requestType, details, wantReply: true)) payload = buffer.ToArray();
        // Not RunContinuationsAsynchronously: the continuation is ours and short, and runs inline.
        var reply = new TaskCompletionSource<bool>();
        reply.Task.ContinueWith(static (t, state) =>
        {
            if (t.IsCompletedSuccessfully) ((Action<bool>)state!)(t.Result);
            else _ = t.Exception;
        }, onReply, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        lock (_requestLock)
        {
            ThrowIfNotOpen();
            _pendingRequests.Enqueue(reply);
            Connection.SendInBackground(payload);
        }
    }

    private SshBuffer EncodeRequest(string requestType, ChannelRequestDetails? details, bool wantReply)
    {
        var message = new ChannelRequestMessage
        {
            RecipientChannel = RemoteChannelId,
            RequestType = requestType,
            WantReply = wantReply,
            Details = details,
        };
        var buffer = new SshBuffer();
        var writer = buffer.Writer;
        message.Write(ref writer);
        return buffer;
    }

    /// <summary>
    /// Called on the receive thread when the peer confirms the channel we opened, before the opener
    /// learns of it: what is sent here goes out with no round trip to the opener's thread.
    /// </summary>
    private protected virtual void OnOpenConfirmed() { }

    /// <summary>Sends CLOSE (if not yet sent) without waiting for anything.</summary>
    internal void CloseInBackground() => ChannelBackground.Run(SendCloseAsync(CancellationToken.None));

    /// <summary>
    /// Handles a request from the peer; returns whether it succeeded. The base refuses everything
    /// (as OpenSSH's client does with the server's keepalive@openssh.com).
    /// </summary>
    protected virtual bool OnRequest(ChannelRequestMessage request) => false;

    /// <summary>Called once when the channel ends, closed (<paramref name="error"/> null) or failed.</summary>
    protected virtual void OnClosed(Exception? error) { }

    internal string Name => $"channel {LocalChannelId}";

    internal void ThrowIfNotOpen()
    {
        switch (_state)
        {
            case State.Open when Volatile.Read(ref _closeSent) == 0:
                return;
            case State.Failed:
                throw Connection.FailureException();
            default:
                throw new SshChannelException($"{Name}: channel is not open");
        }
    }

    private async ValueTask SendCloseAsync(CancellationToken cancellationToken)
    {
        if (_state is not State.Open) return;
        if (Interlocked.Exchange(ref _closeSent, 1) != 0) return;
        await Connection.SendAsync(ChannelSignalMessage.Close(RemoteChannelId).ToArray(), cancellationToken).ConfigureAwait(false);
    }

    // ---- called by SshConnection ----

    internal Task WaitOpenedAsync(CancellationToken cancellationToken) => _opened.Task.WaitAsync(cancellationToken);

    /// <summary>The open timed out or was cancelled: close the channel if the peer confirms later.</summary>
    internal void Abandon()
    {
        lock (_requestLock)
        {
            if (_state == State.Opening)
            {
                _state = State.Abandoned;
                return;
            }
        }
        // The confirmation won the race: nobody will use the channel, so close it.
        if (_state == State.Open) CloseInBackground();
    }

    internal void OnOpenConfirmation(ChannelOpenConfirmationMessage message)
    {
        if (_state is not (State.Opening or State.Abandoned))
        {
            throw new SshProtocolException($"{Name}: open confirmation for a channel that is not opening");
        }
        SetRemote(message.SenderChannel, message.InitialWindowSize, message.MaximumPacketSize);
        bool abandoned;
        lock (_requestLock)
        {
            // The opener gave up (timeout, cancellation): close what the peer opened for nothing.
            abandoned = _state == State.Abandoned;
            if (abandoned) Interlocked.Exchange(ref _closeSent, 1);
            _state = State.Open;
        }
        if (abandoned)
        {
            Connection.SendInBackground(ChannelSignalMessage.Close(RemoteChannelId).ToArray());
            return;
        }
        OnOpenConfirmed();
        _opened.TrySetResult();
    }

    /// <summary>For channels the peer opened: we accept with these values.</summary>
    internal void OnAccepted(uint remoteChannel, uint remoteWindow, uint remoteMaxPacket)
    {
        SetRemote(remoteChannel, remoteWindow, remoteMaxPacket);
        _state = State.Open;
        _opened.TrySetResult();
    }

    internal void OnOpenFailure(ChannelOpenFailureMessage message)
    {
        if (_state is not (State.Opening or State.Abandoned))
        {
            throw new SshProtocolException($"{Name}: open failure for a channel that is not opening");
        }
        _state = State.Closed;
        Connection.RemoveChannel(this);
        string description = string.IsNullOrEmpty(message.Description) ? "" : ": " + message.Description;
        _opened.TrySetException(new SshChannelException(
            $"{Name}: open failed: {ChannelOpenFailureMessage.ReasonText(message.ReasonCode)}{description}"));
        _closed.TrySetResult();
    }

    internal void OnEof()
    {
        RequireOpen("EOF");
        _eofReceived = true;
        _stdout.Complete();
        _stderr.Complete();
    }

    internal void OnClose()
    {
        RequireOpen("CLOSE");
        if (Interlocked.Exchange(ref _closeSent, 1) == 0)
        {
            Connection.SendInBackground(ChannelSignalMessage.Close(RemoteChannelId).ToArray());
        }
        _state = State.Closed;
        Connection.RemoveChannel(this);
        _stdout.Complete();
        _stderr.Complete();
        var closed = new SshChannelException($"{Name}: channel closed");
        _remoteWindowSignal.Fault(closed);
        FailPendingRequests(closed);
        OnClosed(null);
        _closed.TrySetResult();
    }

    internal void OnRequestMessage(ChannelRequestMessage request)
    {
        RequireOpen("a request");
        bool ok = Volatile.Read(ref _closeSent) == 0 && OnRequest(request);
        if (request.WantReply && Volatile.Read(ref _closeSent) == 0)
        {
            var reply = ok ? ChannelSignalMessage.Success(RemoteChannelId) : ChannelSignalMessage.Failure(RemoteChannelId);
            Connection.SendInBackground(reply.ToArray());
        }
    }

    internal void OnRequestReply(bool success)
    {
        RequireOpen("a request reply");
        TaskCompletionSource<bool>? waiter;
        lock (_requestLock)
        {
            _pendingRequests.TryDequeue(out waiter);
        }
        if (waiter is null) throw new SshProtocolException($"{Name}: reply to a request that was never made");
        waiter.TrySetResult(success);
    }

    /// <summary>The connection failed: every waiter on this channel gets <paramref name="error"/>.</summary>
    internal void Fail(Exception error)
    {
        if (_state is State.Closed or State.Failed) return;
        _state = State.Failed;
        _stdout.Complete(error);
        _stderr.Complete(error);
        _remoteWindowSignal.Fault(error);
        FailPendingRequests(error);
        _opened.TrySetException(error);
        OnClosed(error);
        _closed.TrySetException(error);
    }

    private void FailPendingRequests(Exception error)
    {
        lock (_requestLock)
        {
            while (_pendingRequests.TryDequeue(out var waiter)) waiter.TrySetException(error);
        }
    }

    private void RequireOpen(string what)
    {
        if (_state is not State.Open) throw new SshProtocolException($"{Name}: {what} on a channel that is not open");
    }
}
