using System.Globalization;

namespace Hop.Cli.Commands;

/// <summary>OpenSSH's time format (convtime): "90", "1h30m", "2d", units s m h d w, case-insensitive.</summary>
internal static class AgentTime
{
    /// <summary>Seconds, or null when <paramref name="text"/> is not a valid time.</summary>
    public static long? ParseSeconds(string text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        long total = 0;
        int i = 0;
        while (i < text.Length)
        {
            int start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
            if (i == start) return null;
            if (!long.TryParse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out long n)) return null;
            long mult = 1;
            if (i < text.Length)
            {
                mult = char.ToLowerInvariant(text[i]) switch
                {
                    's' => 1,
                    'm' => 60,
                    'h' => 3600,
                    'd' => 86400,
                    'w' => 604800,
                    _ => -1,
                };
                if (mult < 0) return null;
                i++;
            }
            try
            {
                total = checked(total + checked(n * mult));
            }
            catch (OverflowException)
            {
                return null;
            }
            if (total > int.MaxValue) return null;
        }
        return total;
    }
}
