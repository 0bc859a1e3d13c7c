using System.Net.Sockets;
using System.Runtime.InteropServices;
using IpQos = Hop.Ssh.Config.IpQos;

namespace Hop.Ssh.Client;

/// <summary>Sets the IPQoS byte of a TCP socket: IP_TOS over IPv4, IPV6_TCLASS over IPv6, as ssh's set_sock_tos does.</summary>
internal static class IpQosSocket
{
    // IPPROTO_IPV6 and IPV6_TCLASS, which .NET names no option for.
    private const int IpProtoIpv6 = 41;
    private static readonly int Ipv6TrafficClass = OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? 36 : 67;

    /// <summary>Sets <paramref name="tos"/> on <paramref name="socket"/>; <see cref="IpQos.None"/> leaves it alone. A failure is logged, not thrown.</summary>
    public static void Set(Socket socket, int tos, Action<int, string>? log)
    {
        if (tos == IpQos.None) return;
        try
        {
            switch (socket.AddressFamily)
            {
                case AddressFamily.InterNetwork:
                    log?.Invoke(3, $"set_sock_tos: set socket {socket.Handle} IP_TOS 0x{tos:x2}");
                    socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.TypeOfService, tos);
                    break;
                case AddressFamily.InterNetworkV6 when !OperatingSystem.IsWindows():
                    log?.Invoke(3, $"set_sock_tos: set socket {socket.Handle} IPV6_TCLASS 0x{tos:x2}");
                    Span<byte> value = stackalloc byte[sizeof(int)];
                    MemoryMarshal.Write(value, in tos); // an int in the host's byte order, as setsockopt takes it
                    socket.SetRawSocketOption(IpProtoIpv6, Ipv6TrafficClass, value);
                    break;
            }
        }
        catch (SocketException e)
        {
            log?.Invoke(0, $"set_sock_tos: setsockopt {(socket.AddressFamily == AddressFamily.InterNetwork ? "IP_TOS" : "IPV6_TCLASS")} {tos}: {e.Message}");
        }
    }
}
