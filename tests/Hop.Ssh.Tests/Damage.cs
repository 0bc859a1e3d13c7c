using System.Buffers.Binary;

namespace Hop.Ssh.Tests;

/// <summary>
/// Damages a valid message the ways a hostile peer might: cut short, lengthened with random bytes,
/// a few bits flipped, or a uint32 set to an extreme. The first <c>keep</c> bytes stay as they are
/// (a message number, a request id); the extreme value lands, two times in three, on one of the
/// <c>fields</c> offsets (a count or length the rest is read by), else anywhere after the kept bytes.
/// </summary>
internal static class Damage
{
    private static readonly uint[] Extremes = [0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFF0, 65536];

    public static byte[] Apply(byte[] valid, Random rng, int keep, params int[] fields)
    {
        var m = (byte[])valid.Clone();
        if (m.Length <= keep) return m;
        switch (rng.Next(4))
        {
            case 0:
                return m[..(keep + rng.Next(m.Length - keep))];
            case 1:
                for (int n = 1 + rng.Next(3); n > 0; n--) m[keep + rng.Next(m.Length - keep)] ^= (byte)(1 << rng.Next(8));
                return m;
            case 2:
                {
                    var longer = new byte[m.Length + 1 + rng.Next(16)];
                    m.CopyTo(longer, 0);
                    rng.NextBytes(longer.AsSpan(m.Length));
                    return longer;
                }
            default:
                {
                    if (m.Length < keep + 4) return m;
                    int at = fields.Length > 0 && rng.Next(3) != 0 ? fields[rng.Next(fields.Length)] : keep + rng.Next(m.Length - keep - 3);
                    if (at + 4 > m.Length) return m;
                    BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(at), Extremes[rng.Next(Extremes.Length)]);
                    return m;
                }
        }
    }
}
