using Hop.Ssh.Wire;

namespace Hop.Ssh.Connection.Messages;

/// <summary>
/// SSH_MSG_CHANNEL_REQUEST (RFC 4254 §5.4).
/// <code>
/// byte      SSH_MSG_CHANNEL_REQUEST (98)
/// uint32    recipient channel
/// string    request type in US-ASCII characters only
/// boolean   want reply
/// ....      type-specific data follows
/// </code>
/// The type-specific data is parsed into a <see cref="ChannelRequestDetails"/> by request type.
/// </summary>
public sealed class ChannelRequestMessage
{
    public uint RecipientChannel { get; init; }
    public required string RequestType { get; init; }
    public bool WantReply { get; init; }

    /// <summary>The type-specific data; null for requests that have none (shell, keepalive, ...).</summary>
    public ChannelRequestDetails? Details { get; init; }

    public static ChannelRequestMessage Read(ref SshReader reader)
    {
        ConnectionMessageNumbers.Expect(ref reader, ConnectionMessageNumbers.ChannelRequest);
        uint recipient = reader.ReadUInt32();
        string type = reader.ReadName(1024);
        bool wantReply = reader.ReadBoolean();
        var details = ChannelRequestDetails.Read(type, ref reader);
        return new ChannelRequestMessage { RecipientChannel = recipient, RequestType = type, WantReply = wantReply, Details = details };
    }

    public void Write(ref SshWriter writer)
    {
        writer.WriteByte(ConnectionMessageNumbers.ChannelRequest);
        writer.WriteUInt32(RecipientChannel);
        writer.WriteString(RequestType);
        writer.WriteBoolean(WantReply);
        Details?.Write(ref writer);
    }
}
