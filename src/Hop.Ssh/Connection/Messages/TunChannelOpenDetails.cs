using Hop.Ssh.Wire;

namespace Hop.Ssh.Connection.Messages;

/// <summary>How a "tun@openssh.com" channel carries packets (OpenSSH PROTOCOL §2.3, SSH_TUNMODE_*).</summary>
public enum TunnelMode : uint
{
    /// <summary>Layer 3: IP packets, each after a 4-byte address family header (OpenBSD's numbers).</summary>
    PointToPoint = 1,
    /// <summary>Layer 2: whole Ethernet frames.</summary>
    Ethernet = 2,
}

/// <summary>
/// The data of "tun@openssh.com" (OpenSSH PROTOCOL §2.3): the tunnel's mode and the unit the
/// server should use, <see cref="AnyUnit"/> (SSH_TUNID_ANY) for whichever is free.
/// <code>
/// uint32    tunnel mode
/// uint32    remote unit number
/// </code>
/// </summary>
public sealed class TunChannelOpenDetails : ChannelOpenDetails
{
    /// <summary>SSH_TUNID_ANY: the peer picks the unit.</summary>
    public const uint AnyUnit = 0x7fffffff;

    public TunnelMode Mode { get; init; } = TunnelMode.PointToPoint;
    public uint RemoteUnit { get; init; } = AnyUnit;

    public static TunChannelOpenDetails Read(ref SshReader reader) => new()
    {
        Mode = (TunnelMode)reader.ReadUInt32(),
        RemoteUnit = reader.ReadUInt32(),
    };

    public override void Write(ref SshWriter writer)
    {
        writer.WriteUInt32((uint)Mode);
        writer.WriteUInt32(RemoteUnit);
    }
}
