using System.Buffers.Binary;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Connection.Messages;

/// <summary>
/// SSH_MSG_CHANNEL_WINDOW_ADJUST (RFC 4254 §5.2).
/// <code>
/// byte      SSH_MSG_CHANNEL_WINDOW_ADJUST (93)
/// uint32    recipient channel
/// uint32    bytes to add
/// </code>
/// </summary>
public readonly record struct ChannelWindowAdjustMessage(uint RecipientChannel, uint BytesToAdd)
{
    public const int Length = 9;

    public static ChannelWindowAdjustMessage Read(ref SshReader reader)
    {
        ConnectionMessageNumbers.Expect(ref reader, ConnectionMessageNumbers.ChannelWindowAdjust);
        var m = new ChannelWindowAdjustMessage(reader.ReadUInt32(), reader.ReadUInt32());
        reader.EnsureEnd();
        return m;
    }

    public void Write(ref SshWriter writer)
    {
        writer.WriteByte(ConnectionMessageNumbers.ChannelWindowAdjust);
        writer.WriteUInt32(RecipientChannel);
        writer.WriteUInt32(BytesToAdd);
    }

    /// <summary>Writes the whole message into <paramref name="destination"/> (at least <see cref="Length"/> bytes).</summary>
    public void WriteTo(Span<byte> destination)
    {
        destination[0] = ConnectionMessageNumbers.ChannelWindowAdjust;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], RecipientChannel);
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], BytesToAdd);
    }
}

/// <summary>
/// SSH_MSG_CHANNEL_DATA (RFC 4254 §5.2).
/// <code>
/// byte      SSH_MSG_CHANNEL_DATA (94)
/// uint32    recipient channel
/// string    data
/// </code>
/// A ref struct over the received payload, so that reading it copies nothing.
/// </summary>
public readonly ref struct ChannelDataMessage
{
    /// <summary>Bytes before the data: message number, recipient channel, data length.</summary>
    public const int HeaderLength = 9;

    public ChannelDataMessage(uint recipientChannel, ReadOnlySpan<byte> data)
    {
        RecipientChannel = recipientChannel;
        Data = data;
    }

    public uint RecipientChannel { get; }
    public ReadOnlySpan<byte> Data { get; }

    public static ChannelDataMessage Read(ref SshReader reader)
    {
        ConnectionMessageNumbers.Expect(ref reader, ConnectionMessageNumbers.ChannelData);
        uint recipient = reader.ReadUInt32();
        var data = reader.ReadString(int.MaxValue);
        reader.EnsureEnd();
        return new ChannelDataMessage(recipient, data);
    }

    public void Write(ref SshWriter writer)
    {
        writer.WriteByte(ConnectionMessageNumbers.ChannelData);
        writer.WriteUInt32(RecipientChannel);
        writer.WriteString(Data);
    }

    /// <summary>
    /// Writes the header for <paramref name="dataLength"/> bytes of data into the first
    /// <see cref="HeaderLength"/> bytes of <paramref name="destination"/>; the data goes right after.
    /// </summary>
    public static void WriteHeader(Span<byte> destination, uint recipientChannel, int dataLength)
    {
        destination[0] = ConnectionMessageNumbers.ChannelData;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], recipientChannel);
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], (uint)dataLength);
    }
}

/// <summary>
/// SSH_MSG_CHANNEL_EXTENDED_DATA (RFC 4254 §5.2).
/// <code>
/// byte      SSH_MSG_CHANNEL_EXTENDED_DATA (95)
/// uint32    recipient channel
/// uint32    data_type_code (1 = SSH_EXTENDED_DATA_STDERR)
/// string    data
/// </code>
/// </summary>
public readonly ref struct ChannelExtendedDataMessage
{
    public const uint Stderr = 1;
    public const int HeaderLength = 13;

    public ChannelExtendedDataMessage(uint recipientChannel, uint dataTypeCode, ReadOnlySpan<byte> data)
    {
        RecipientChannel = recipientChannel;
        DataTypeCode = dataTypeCode;
        Data = data;
    }

    public uint RecipientChannel { get; }
    public uint DataTypeCode { get; }
    public ReadOnlySpan<byte> Data { get; }

    public static ChannelExtendedDataMessage Read(ref SshReader reader)
    {
        ConnectionMessageNumbers.Expect(ref reader, ConnectionMessageNumbers.ChannelExtendedData);
        uint recipient = reader.ReadUInt32();
        uint code = reader.ReadUInt32();
        var data = reader.ReadString(int.MaxValue);
        reader.EnsureEnd();
        return new ChannelExtendedDataMessage(recipient, code, data);
    }

    public void Write(ref SshWriter writer)
    {
        writer.WriteByte(ConnectionMessageNumbers.ChannelExtendedData);
        writer.WriteUInt32(RecipientChannel);
        writer.WriteUInt32(DataTypeCode);
        writer.WriteString(Data);
    }

    /// <summary>Writes the header for <paramref name="dataLength"/> bytes; the data goes right after.</summary>
    public static void WriteHeader(Span<byte> destination, uint recipientChannel, uint dataTypeCode, int dataLength)
    {
        destination[0] = ConnectionMessageNumbers.ChannelExtendedData;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], recipientChannel);
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], dataTypeCode);
        BinaryPrimitives.WriteUInt32BigEndian(destination[9..], (uint)dataLength);
    }
}

/// <summary>
/// The messages that carry only a recipient channel (RFC 4254 §5.3, §5.4):
/// <code>
/// byte      SSH_MSG_CHANNEL_EOF (96) | SSH_MSG_CHANNEL_CLOSE (97) | SSH_MSG_CHANNEL_SUCCESS (99) | SSH_MSG_CHANNEL_FAILURE (100)
/// uint32    recipient channel
/// </code>
/// </summary>
public readonly record struct ChannelSignalMessage(byte MessageNumber, uint RecipientChannel)
{
    public const int Length = 5;

    public static ChannelSignalMessage Eof(uint recipient) => new(ConnectionMessageNumbers.ChannelEof, recipient);
    public static ChannelSignalMessage Close(uint recipient) => new(ConnectionMessageNumbers.ChannelClose, recipient);
    public static ChannelSignalMessage Success(uint recipient) => new(ConnectionMessageNumbers.ChannelSuccess, recipient);
    public static ChannelSignalMessage Failure(uint recipient) => new(ConnectionMessageNumbers.ChannelFailure, recipient);

    public static ChannelSignalMessage Read(ref SshReader reader)
    {
        byte number = reader.ReadByte();
        if (number is not (ConnectionMessageNumbers.ChannelEof or ConnectionMessageNumbers.ChannelClose
            or ConnectionMessageNumbers.ChannelSuccess or ConnectionMessageNumbers.ChannelFailure))
        {
            throw new SshProtocolException($"message {number} is not EOF, CLOSE, SUCCESS or FAILURE");
        }
        var m = new ChannelSignalMessage(number, reader.ReadUInt32());
        reader.EnsureEnd();
        return m;
    }

    public void Write(ref SshWriter writer)
    {
        writer.WriteByte(MessageNumber);
        writer.WriteUInt32(RecipientChannel);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        bytes[0] = MessageNumber;
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1), RecipientChannel);
        return bytes;
    }
}
