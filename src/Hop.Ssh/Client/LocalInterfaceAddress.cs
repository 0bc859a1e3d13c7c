using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Hop.Ssh.Client;

/// <summary>
/// BindInterface: the address of an interface that the outgoing connection is bound to, chosen as ssh chooses it
/// (check_ifaddrs): the interface must be up and have an address of the destination's family; an address that is
/// neither loopback nor IPv6 link-local is preferred, and one of those serves when nothing else does.
/// </summary>
internal static class LocalInterfaceAddress
{
    /// <summary>The address to bind for a connection over <paramref name="family"/>; null when the interface has none that suits.</summary>
    public static IPAddress? Find(string interfaceName, AddressFamily family)
    {
        NetworkInterface? nic;
        try
        {
            nic = NetworkInterface.GetAllNetworkInterfaces().FirstOrDefault(n => n.Name == interfaceName);
        }
        catch (NetworkInformationException)
        {
            return null;
        }
        if (nic is null || !IsUp(nic)) return null;
        var addresses = nic.GetIPProperties().UnicastAddresses.Select(u => u.Address).Where(a => a.AddressFamily == family).ToList();
        return addresses.FirstOrDefault(a => !IsLocal(a)) ?? addresses.FirstOrDefault();
    }

    private static bool IsLocal(IPAddress a) => IPAddress.IsLoopback(a) || a.IsIPv6LinkLocal;

    /// <summary>IFF_UP (administratively up, as ssh checks), read from sysfs on Linux; elsewhere the operational status.</summary>
    private static bool IsUp(NetworkInterface nic)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                string flags = File.ReadAllText($"/sys/class/net/{nic.Name}/flags").Trim();
                if (flags.StartsWith("0x", StringComparison.Ordinal)
                    && int.TryParse(flags.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int f))
                    return (f & 1) != 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return nic.OperationalStatus != OperationalStatus.Down;
    }
}
