using Hop.Ssh.Wire;

namespace Hop.Ssh.Connection.Messages;

/// <summary>The channel types of RFC 4254 and OpenSSH's PROTOCOL.</summary>
public static class ChannelTypes
{
    public const string Session = "session";
    public const string DirectTcpip = "direct-tcpip";
    public const string ForwardedTcpip = "forwarded-tcpip";
    public const string X11 = "x11";
    public const string AuthAgent = "auth-agent@openssh.com";
    public const string DirectStreamlocal = "direct-streamlocal@openssh.com";
    public const string ForwardedStreamlocal = "forwarded-streamlocal@openssh.com";
    public const string Tun = "tun@openssh.com";
}

/// <summary>The channel-type-specific data at the end of SSH_MSG_CHANNEL_OPEN.</summary>
public abstract class ChannelOpenDetails
{
    public abstract void Write(ref SshWriter writer);

    /// <summary>Reads the data for <paramref name="channelType"/> up to the end of the message.</summary>
    public static ChannelOpenDetails? Read(string channelType, ref SshReader reader)
    {
        ChannelOpenDetails? details = channelType switch
        {
            ChannelTypes.Session or ChannelTypes.AuthAgent => null,
            ChannelTypes.DirectTcpip => TcpipChannelOpenDetails.Read(ref reader),
            ChannelTypes.ForwardedTcpip => TcpipChannelOpenDetails.Read(ref reader),
            ChannelTypes.X11 => X11ChannelOpenDetails.Read(ref reader),
            ChannelTypes.DirectStreamlocal => StreamlocalChannelOpenDetails.Read(ref reader, withReservedUInt32: true),
            ChannelTypes.ForwardedStreamlocal => StreamlocalChannelOpenDetails.Read(ref reader, withReservedUInt32: false),
            ChannelTypes.Tun => TunChannelOpenDetails.Read(ref reader),
            _ => new RawChannelOpenDetails(reader.RemainingSpan.ToArray()),
        };
        if (details is RawChannelOpenDetails) return details;
        reader.EnsureEnd();
        return details;
    }
}

/// <summary>
/// The data of "direct-tcpip" and "forwarded-tcpip" (RFC 4254 §7.2), which share a layout.
/// <code>
/// direct-tcpip:                          forwarded-tcpip:
/// string    host to connect              string    address that was connected
/// uint32    port to connect              uint32    port that was connected
/// string    originator IP address        string    originator IP address
/// uint32    originator port              uint32    originator port
/// </code>
/// </summary>
public sealed class TcpipChannelOpenDetails : ChannelOpenDetails
{
    /// <summary>direct-tcpip: the host to connect to; forwarded-tcpip: the address that was connected.</summary>
    public required string Host { get; init; }
    public uint Port { get; init; }
    public string OriginatorAddress { get; init; } = "";
    public uint OriginatorPort { get; init; }

    public static TcpipChannelOpenDetails Read(ref SshReader reader) => new()
    {
        Host = reader.ReadUtf8(1024),
        Port = reader.ReadUInt32(),
        OriginatorAddress = reader.ReadUtf8(1024),
        OriginatorPort = reader.ReadUInt32(),
    };

    public override void Write(ref SshWriter writer)
    {
        writer.WriteString(Host);
        writer.WriteUInt32(Port);
        writer.WriteString(OriginatorAddress);
        writer.WriteUInt32(OriginatorPort);
    }
}

/// <summary>
/// The data of "x11" (RFC 4254 §6.3.2).
/// <code>
/// string    originator address (e.g., "192.168.7.38")
/// uint32    originator port
/// </code>
/// </summary>
public sealed class X11ChannelOpenDetails : ChannelOpenDetails
{
    public string OriginatorAddress { get; init; } = "";
    public uint OriginatorPort { get; init; }

    public static X11ChannelOpenDetails Read(ref SshReader reader) => new()
    {
        OriginatorAddress = reader.ReadUtf8(1024),
        OriginatorPort = reader.ReadUInt32(),
    };

    public override void Write(ref SshWriter writer)
    {
        writer.WriteString(OriginatorAddress);
        writer.WriteUInt32(OriginatorPort);
    }
}

/// <summary>
/// The data of "direct-streamlocal@openssh.com" and "forwarded-streamlocal@openssh.com"
/// (OpenSSH PROTOCOL §2.4).
/// <code>
/// direct-streamlocal@openssh.com:        forwarded-streamlocal@openssh.com:
/// string    socket path                  string    socket path
/// string    reserved                     string    reserved
/// uint32    reserved
/// </code>
/// </summary>
public sealed class StreamlocalChannelOpenDetails : ChannelOpenDetails
{
    public required string SocketPath { get; init; }
    public string Reserved { get; init; } = "";

    /// <summary>True for the direct form, which ends with a reserved uint32.</summary>
    public bool HasReservedUInt32 { get; init; } = true;

    public static StreamlocalChannelOpenDetails Read(ref SshReader reader, bool withReservedUInt32)
    {
        var d = new StreamlocalChannelOpenDetails
        {
            SocketPath = reader.ReadUtf8(4096),
            Reserved = reader.ReadUtf8(1024),
            HasReservedUInt32 = withReservedUInt32,
        };
        if (withReservedUInt32) reader.ReadUInt32();
        return d;
    }

    public override void Write(ref SshWriter writer)
    {
        writer.WriteString(SocketPath);
        writer.WriteString(Reserved);
        if (HasReservedUInt32) writer.WriteUInt32(0);
    }
}

/// <summary>The data of a channel type we do not know, kept as bytes.</summary>
public sealed class RawChannelOpenDetails(ReadOnlyMemory<byte> data) : ChannelOpenDetails
{
    public ReadOnlyMemory<byte> Data { get; } = data;

    public override void Write(ref SshWriter writer) => writer.WriteRaw(Data.Span);
}
