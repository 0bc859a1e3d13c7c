using Hop.Ssh.Wire;

namespace Hop.Ssh.Connection.Messages;

/// <summary>
/// SSH_MSG_CHANNEL_OPEN (RFC 4254 §5.1).
/// <code>
/// byte      SSH_MSG_CHANNEL_OPEN (90)
/// string    channel type in US-ASCII only
/// uint32    sender channel
/// uint32    initial window size
/// uint32    maximum packet size
/// ....      channel type specific data follows
/// </code>
/// The type-specific data is parsed into a <see cref="ChannelOpenDetails"/> by channel type.
/// </summary>
public sealed class ChannelOpenMessage
{
    public required string ChannelType { get; init; }
    public uint SenderChannel { get; init; }
    public uint InitialWindowSize { get; init; }
    public uint MaximumPacketSize { get; init; }

    /// <summary>The type-specific data; null for "session" and "auth-agent@openssh.com", which have none.</summary>
    public ChannelOpenDetails? Details { get; init; }

    public static ChannelOpenMessage Read(ref SshReader reader)
    {
        ConnectionMessageNumbers.Expect(ref reader, ConnectionMessageNumbers.ChannelOpen);
        string type = reader.ReadName(1024);
        uint sender = reader.ReadUInt32();
        uint window = reader.ReadUInt32();
        uint maxPacket = reader.ReadUInt32();
        var details = ChannelOpenDetails.Read(type, ref reader);
        return new ChannelOpenMessage
        {
            ChannelType = type,
            SenderChannel = sender,
            InitialWindowSize = window,
            MaximumPacketSize = maxPacket,
            Details = details,
        };
    }

    public void Write(ref SshWriter writer)
    {
        writer.WriteByte(ConnectionMessageNumbers.ChannelOpen);
        writer.WriteString(ChannelType);
        writer.WriteUInt32(SenderChannel);
        writer.WriteUInt32(InitialWindowSize);
        writer.WriteUInt32(MaximumPacketSize);
        Details?.Write(ref writer);
    }
}

/// <summary>
/// SSH_MSG_CHANNEL_OPEN_CONFIRMATION (RFC 4254 §5.1).
/// <code>
/// byte      SSH_MSG_CHANNEL_OPEN_CONFIRMATION (91)
/// uint32    recipient channel
/// uint32    sender channel
/// uint32    initial window size
/// uint32    maximum packet size
/// ....      channel type specific data follows
/// </code>
/// No channel type defined here carries data in the confirmation; any is kept raw.
/// </summary>
public sealed class ChannelOpenConfirmationMessage
{
    public uint RecipientChannel { get; init; }
    public uint SenderChannel { get; init; }
    public uint InitialWindowSize { get; init; }
    public uint MaximumPacketSize { get; init; }
    public ReadOnlyMemory<byte> TypeSpecificData { get; init; }

    public static ChannelOpenConfirmationMessage Read(ref SshReader reader)
    {
        ConnectionMessageNumbers.Expect(ref reader, ConnectionMessageNumbers.ChannelOpenConfirmation);
        return new ChannelOpenConfirmationMessage
        {
            RecipientChannel = reader.ReadUInt32(),
            SenderChannel = reader.ReadUInt32(),
            InitialWindowSize = reader.ReadUInt32(),
            MaximumPacketSize = reader.ReadUInt32(),
            TypeSpecificData = reader.RemainingSpan.ToArray(),
        };
    }

    public void Write(ref SshWriter writer)
    {
        writer.WriteByte(ConnectionMessageNumbers.ChannelOpenConfirmation);
        writer.WriteUInt32(RecipientChannel);
        writer.WriteUInt32(SenderChannel);
        writer.WriteUInt32(InitialWindowSize);
        writer.WriteUInt32(MaximumPacketSize);
        writer.WriteRaw(TypeSpecificData.Span);
    }
}

/// <summary>The reason codes of SSH_MSG_CHANNEL_OPEN_FAILURE (RFC 4254 §5.1).</summary>
public enum ChannelOpenFailureReason : uint
{
    AdministrativelyProhibited = 1,
    ConnectFailed = 2,
    UnknownChannelType = 3,
    ResourceShortage = 4,
}

/// <summary>
/// SSH_MSG_CHANNEL_OPEN_FAILURE (RFC 4254 §5.1).
/// <code>
/// byte      SSH_MSG_CHANNEL_OPEN_FAILURE (92)
/// uint32    recipient channel
/// uint32    reason code
/// string    description in ISO-10646 UTF-8 encoding [RFC3629]
/// string    language tag [RFC3066]
/// </code>
/// </summary>
public sealed class ChannelOpenFailureMessage
{
    public uint RecipientChannel { get; init; }
    public ChannelOpenFailureReason ReasonCode { get; init; }
    public string Description { get; init; } = "";
    public string LanguageTag { get; init; } = "";

    /// <summary>The reason in the words OpenSSH prints ("administratively prohibited", ...).</summary>
    public static string ReasonText(ChannelOpenFailureReason reason) => reason switch
    {
        ChannelOpenFailureReason.AdministrativelyProhibited => "administratively prohibited",
        ChannelOpenFailureReason.ConnectFailed => "connect failed",
        ChannelOpenFailureReason.UnknownChannelType => "unknown channel type",
        ChannelOpenFailureReason.ResourceShortage => "resource shortage",
        _ => "unknown reason",
    };

    public static ChannelOpenFailureMessage Read(ref SshReader reader)
    {
        ConnectionMessageNumbers.Expect(ref reader, ConnectionMessageNumbers.ChannelOpenFailure);
        var m = new ChannelOpenFailureMessage
        {
            RecipientChannel = reader.ReadUInt32(),
            ReasonCode = (ChannelOpenFailureReason)reader.ReadUInt32(),
            Description = reader.ReadUtf8(8192),
            // Some servers omit the language tag.
            LanguageTag = reader.IsAtEnd ? "" : reader.ReadUtf8(256),
        };
        reader.EnsureEnd();
        return m;
    }

    public void Write(ref SshWriter writer)
    {
        writer.WriteByte(ConnectionMessageNumbers.ChannelOpenFailure);
        writer.WriteUInt32(RecipientChannel);
        writer.WriteUInt32((uint)ReasonCode);
        writer.WriteString(Description);
        writer.WriteString(LanguageTag);
    }
}
