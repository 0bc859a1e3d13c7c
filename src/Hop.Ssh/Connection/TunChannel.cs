using Hop.Ssh.Connection.Messages;

namespace Hop.Ssh.Connection;

/// <summary>
/// A "tun@openssh.com" channel (OpenSSH PROTOCOL §2.3, ssh -w): each DATA message carries one
/// packet or frame, whole. What the peer sends goes to the handler given at open, one call per
/// message on the receive thread (it must not block: a tun device's write does not); what we send
/// goes out with <see cref="WritePacket"/>, one message each.
/// </summary>
public sealed class TunChannel : SshChannel
{
    private readonly Action<ReadOnlySpan<byte>> _onPacket;

    internal TunChannel(SshConnection connection, uint localChannelId, TunChannelOpenDetails details, Action<ReadOnlySpan<byte>> onPacket)
        : base(connection, localChannelId, ChannelTypes.Tun)
    {
        Details = details;
        _onPacket = onPacket;
        Description = "tun";
    }

    /// <summary>The mode and remote unit asked for.</summary>
    public TunChannelOpenDetails Details { get; }

    /// <summary>
    /// Sends one packet as one DATA message, blocking this thread (a device reader of the caller's
    /// own) while the peer's window is short of it; false, and nothing sent, when it is larger than
    /// the peer's maximum packet size (dropped, as ssh drops a datagram too big).
    /// </summary>
    public bool WritePacket(ReadOnlyMemory<byte> packet, CancellationToken cancellationToken = default)
        => WriteDatagram(packet, cancellationToken);

    private protected override bool OnDatagram(ReadOnlySpan<byte> data)
    {
        _onPacket(data);
        return true;
    }
}
