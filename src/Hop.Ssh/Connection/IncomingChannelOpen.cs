using Hop.Ssh.Connection.Messages;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Connection;

/// <summary>
/// A CHANNEL_OPEN from the peer, handed to the handler registered for its type: accept it (the
/// channel then works as one we opened) or reject it with a reason.
/// </summary>
public sealed class IncomingChannelOpen
{
    private readonly SshConnection _connection;
    private readonly ChannelOpenMessage _message;
    private int _decided;

    internal IncomingChannelOpen(SshConnection connection, ChannelOpenMessage message)
    {
        _connection = connection;
        _message = message;
    }

    public string ChannelType => _message.ChannelType;

    /// <summary>The type-specific data: <see cref="TcpipChannelOpenDetails"/> for forwarded-tcpip, <see cref="X11ChannelOpenDetails"/> for x11, null for auth-agent.</summary>
    public ChannelOpenDetails? Details => _message.Details;

    /// <summary>Registers the channel and sends OPEN_CONFIRMATION.</summary>
    public Task<SshChannel> AcceptAsync(CancellationToken cancellationToken = default) => AcceptAsync(null, cancellationToken);

    /// <summary>Accepts the channel with its inbound data going straight to <paramref name="sinks"/> (a forwarded socket).</summary>
    public async Task<SshChannel> AcceptAsync(ChannelSinks? sinks, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _decided, 1) != 0) throw new InvalidOperationException("already accepted or rejected");
        var channel = _connection.Register(id => new SshChannel(_connection, id, _message.ChannelType, sinks) { Description = Describe(_message) });
        channel.OnAccepted(_message.SenderChannel, _message.InitialWindowSize, _message.MaximumPacketSize);
        var confirmation = new ChannelOpenConfirmationMessage
        {
            RecipientChannel = _message.SenderChannel,
            SenderChannel = channel.LocalChannelId,
            InitialWindowSize = _connection.Options.InitialWindowSize,
            MaximumPacketSize = _connection.Options.MaximumPacketSize,
        };
        using var buffer = new SshBuffer();
        var writer = buffer.Writer;
        confirmation.Write(ref writer);
        await _connection.SendAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        return channel;
    }

    /// <summary>The name OpenSSH's client gives such a channel in its list of open channels.</summary>
    private static string Describe(ChannelOpenMessage message) => message.ChannelType switch
    {
        ChannelTypes.ForwardedTcpip when message.Details is TcpipChannelOpenDetails t => t.OriginatorAddress,
        ChannelTypes.ForwardedStreamlocal => "forwarded-streamlocal",
        ChannelTypes.AuthAgent => "authentication agent connection",
        _ => message.ChannelType,
    };

    /// <summary>Sends OPEN_FAILURE with the reason and description.</summary>
    public void Reject(ChannelOpenFailureReason reason, string description)
    {
        if (Interlocked.Exchange(ref _decided, 1) != 0) throw new InvalidOperationException("already accepted or rejected");
        _connection.RefuseOpen(_message.SenderChannel, reason, description);
    }

    internal void RejectIfUndecided(ChannelOpenFailureReason reason, string description)
    {
        if (Interlocked.Exchange(ref _decided, 1) == 0) _connection.RefuseOpen(_message.SenderChannel, reason, description);
    }
}
