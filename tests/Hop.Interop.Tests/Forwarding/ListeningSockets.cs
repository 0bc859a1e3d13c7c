using System.Globalization;
using System.Net;

namespace Hop.Interop.Tests.Forwarding;

/// <summary>
/// The addresses that listen on a TCP port, read from the kernel's tables (/proc/net/tcp and
/// /proc/net/tcp6) rather than by connecting, so a test sees what was bound, not only what answers.
/// </summary>
internal static class ListeningSockets
{
    private const string Listen = "0A";

    /// <summary>The listening addresses of <paramref name="port"/> in this network namespace, sorted ("127.0.0.1 ::1").</summary>
    public static string Read(int port) => Parse(File.ReadAllText("/proc/net/tcp"), File.ReadAllText("/proc/net/tcp6"), port);

    /// <summary>
    /// The listening addresses of <paramref name="port"/> in the given table texts, sorted and
    /// space-separated: "0.0.0.0" and "::" for the wildcard, "127.0.0.1" and "::1" for loopback.
    /// </summary>
    public static string Parse(string tcp, string tcp6, int port)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (table, v6) in new[] { (tcp, false), (tcp6, true) })
        {
            foreach (var line in table.Split('\n').Skip(1))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length < 4 || f[3] != Listen) continue;
                var local = f[1].Split(':');
                if (int.Parse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) != port) continue;
                found.Add(Address(local[0], v6).ToString());
            }
        }
        return string.Join(' ', found);
    }

    /// <summary>The kernel prints an address as 32-bit words in host (little-endian) order.</summary>
    private static IPAddress Address(string hex, bool v6)
    {
        var bytes = Convert.FromHexString(hex);
        for (int i = 0; i < bytes.Length; i += 4) Array.Reverse(bytes, i, 4);
        if (bytes.Length != (v6 ? 16 : 4)) throw new FormatException($"bad address {hex} in /proc/net/tcp{(v6 ? "6" : "")}");
        return new IPAddress(bytes);
    }
}
