using System.Buffers.Binary;

namespace Hop.Ssh.Client.Forwarding;

/// <summary>
/// How a point-to-point tun@openssh.com channel frames an IP packet (OpenSSH PROTOCOL §2.3 and its
/// port-net.c): a 4-byte address family before the packet, big-endian, in OpenBSD's numbering
/// whatever the local system's (AF_INET 2, AF_INET6 24). A Linux tun device opened with
/// IFF_NO_PI gives and takes the bare packet, so the header is added on the way out, from the IP
/// version in the packet's first nibble, and taken off on the way in, whatever it says. Ethernet
/// mode carries frames bare.
/// </summary>
public static class TunnelFraming
{
    /// <summary>OpenBSD's AF_INET.</summary>
    public const uint OpenBsdAfInet = 2;

    /// <summary>OpenBSD's AF_INET6.</summary>
    public const uint OpenBsdAfInet6 = 24;

    /// <summary>The length of the address family header.</summary>
    public const int HeaderLength = 4;

    /// <summary>
    /// The shortest packet that goes out: longer than an IPv4 header (20 bytes), as OpenSSH's
    /// filter wants before it reads the version; shorter ones are not IP packets and are dropped.
    /// </summary>
    public const int MinimumPacketLength = 21;

    /// <summary>The address family header for <paramref name="packet"/>: IPv6 for version 6, else IPv4, as ssh decides.</summary>
    public static uint AddressFamilyOf(ReadOnlySpan<byte> packet) =>
        !packet.IsEmpty && packet[0] >> 4 == 6 ? OpenBsdAfInet6 : OpenBsdAfInet;

    /// <summary>
    /// Writes the header into the first <see cref="HeaderLength"/> bytes of <paramref name="message"/>,
    /// whose packet follows it; false (nothing written) for a packet too short to send.
    /// </summary>
    public static bool AddHeader(Span<byte> message)
    {
        if (message.Length < HeaderLength + MinimumPacketLength) return false;
        BinaryPrimitives.WriteUInt32BigEndian(message, AddressFamilyOf(message[HeaderLength..]));
        return true;
    }

    /// <summary>The packet of a received message, its header skipped; false for a message shorter than the header.</summary>
    public static bool TryRemoveHeader(ReadOnlySpan<byte> message, out ReadOnlySpan<byte> packet)
    {
        if (message.Length < HeaderLength)
        {
            packet = default;
            return false;
        }
        packet = message[HeaderLength..];
        return true;
    }
}
