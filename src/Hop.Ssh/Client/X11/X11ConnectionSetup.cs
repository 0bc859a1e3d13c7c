using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Hop.Ssh.Client.X11;

/// <summary>
/// The connection setup an X client sends first (X Window System Protocol, "Connection Setup"):
/// <code>
/// byte      byte-order: 'B' (0x42, MSB first) or 'l' (0x6C, LSB first)
/// byte      unused
/// CARD16    protocol-major-version
/// CARD16    protocol-minor-version
/// CARD16    n, length of authorization-protocol-name
/// CARD16    d, length of authorization-protocol-data
/// CARD16    unused
/// STRING8   authorization-protocol-name, padded to a multiple of 4
/// STRING8   authorization-protocol-data, padded to a multiple of 4
/// </code>
/// The forwarder checks the name and the fake cookie there and puts the real cookie in its place.
/// </summary>
public static class X11ConnectionSetup
{
    public const int FixedLength = 12;

    /// <summary>The whole setup's length once the first 12 bytes are known; throws on a bad byte-order byte.</summary>
    public static int TotalLength(ReadOnlySpan<byte> head)
    {
        if (head.Length < FixedLength) throw new ArgumentException("need 12 bytes", nameof(head));
        var (nameLength, dataLength) = Lengths(head);
        return FixedLength + Pad4(nameLength) + Pad4(dataLength);
    }

    /// <summary>
    /// Checks <paramref name="setup"/> (the whole setup) carries <paramref name="protocol"/> and
    /// <paramref name="fakeCookie"/> (compared in constant time) and, when it does, writes
    /// <paramref name="realCookie"/> (the same length) over the fake one in place.
    /// </summary>
    public static bool TryReplaceCookie(Span<byte> setup, string protocol, ReadOnlySpan<byte> fakeCookie, ReadOnlySpan<byte> realCookie)
    {
        if (setup.Length < FixedLength) return false;
        var (nameLength, dataLength) = Lengths(setup);
        if (setup.Length < FixedLength + Pad4(nameLength) + Pad4(dataLength)) return false;
        var name = setup.Slice(FixedLength, nameLength);
        var data = setup.Slice(FixedLength + Pad4(nameLength), dataLength);
        if (nameLength != Encoding.ASCII.GetByteCount(protocol) || !name.SequenceEqual(Encoding.ASCII.GetBytes(protocol))) return false;
        if (dataLength != fakeCookie.Length || !CryptographicOperations.FixedTimeEquals(data, fakeCookie)) return false;
        if (realCookie.Length != fakeCookie.Length) return false;
        realCookie.CopyTo(data);
        return true;
    }

    private static (int NameLength, int DataLength) Lengths(ReadOnlySpan<byte> head)
    {
        bool bigEndian = head[0] switch
        {
            0x42 => true,
            0x6C => false,
            _ => throw new SshProtocolException("X11 connection setup has an unknown byte order"),
        };
        int n = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(head[6..]) : BinaryPrimitives.ReadUInt16LittleEndian(head[6..]);
        int d = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(head[8..]) : BinaryPrimitives.ReadUInt16LittleEndian(head[8..]);
        return (n, d);
    }

    private static int Pad4(int n) => (n + 3) & ~3;

}
