using System.Globalization;

namespace Hop.Ssh.Keys;

/// <summary>
/// ssh-keygen's -V validity interval: "+52w" (from a minute ago to 52 weeks on), "from:to" where each side is
/// [+-]interval relative to now, YYYYMMDD[HHMM[SS]] (local time, or UTC with a Z/UTC suffix), 0x seconds since
/// the epoch, "always" (from) or "forever" (to). Intervals are OpenSSH's: 1h30m, 2d, 1w, plain seconds.
/// </summary>
public static class CertificateValidity
{
    /// <summary>Parses <paramref name="spec"/> against <paramref name="now"/>; throws <see cref="SshKeyFormatException"/> with ssh-keygen's message.</summary>
    public static (ulong ValidAfter, ulong ValidBefore) Parse(string spec, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(spec);
        long t = now.ToUnixTimeSeconds();
        if (spec.StartsWith('+') && !spec.Contains(':', StringComparison.Ordinal))
        {
            long secs = ParseInterval(spec[1..]);
            if (secs < 0) throw new SshKeyFormatException($"Invalid relative certificate life {spec}");
            // Backdated to the start of the previous minute, for hosts with poorly synchronised clocks.
            return ((ulong)((t - 59) / 60 * 60), (ulong)(t + secs));
        }
        int colon = spec.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == spec.Length - 1) throw new SshKeyFormatException($"Invalid certificate life specification {spec}");
        string from = spec[..colon], to = spec[(colon + 1)..];
        ulong after = from[0] is '+' or '-' ? Relative(from, t)
            : from == "always" ? 0
            : Absolute(from) ?? throw new SshKeyFormatException($"Invalid from time \"{from}\"");
        ulong before = to[0] is '+' or '-' ? Relative(to, t)
            : to == "forever" ? SshCertificate.Forever
            : Absolute(to) ?? throw new SshKeyFormatException($"Invalid to time \"{to}\"");
        if (before <= after) throw new SshKeyFormatException("Empty certificate validity interval");
        return (after, before);
    }

    private static ulong Relative(string s, long now)
    {
        long secs = ParseInterval(s[1..]);
        if (secs < 0) throw new SshKeyFormatException($"Invalid relative certificate time {s}");
        if (s[0] == '-' && secs > now) throw new SshKeyFormatException($"Certificate time {s} cannot be represented");
        return (ulong)(s[0] == '-' ? now - secs : now + secs);
    }

    /// <summary>OpenSSH's time interval ("90", "1h30m", "2w"): seconds, or -1 when malformed.</summary>
    public static long ParseInterval(string s)
    {
        if (string.IsNullOrEmpty(s)) return -1;
        long total = 0;
        int i = 0;
        while (i < s.Length)
        {
            int start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
            if (i == start || !long.TryParse(s.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out long n)) return -1;
            long mult = 1;
            if (i < s.Length)
            {
                mult = char.ToLowerInvariant(s[i]) switch
                {
                    's' => 1,
                    'm' => 60,
                    'h' => 3600,
                    'd' => 86400,
                    'w' => 604800,
                    _ => -1,
                };
                if (mult < 0) return -1;
                i++;
            }
            if (n > long.MaxValue / mult || total > long.MaxValue - n * mult) return -1;
            total += n * mult;
        }
        return total;
    }

    /// <summary>YYYYMMDD, YYYYMMDDHHMM, YYYYMMDDHHMMSS (local time; UTC with "Z" or "UTC"), or 0x seconds; null when malformed.</summary>
    public static ulong? Absolute(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return ulong.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong x) ? x : null;
        bool utc = false;
        if (s.Length > 1 && (s.EndsWith('Z') || s.EndsWith('z'))) { utc = true; s = s[..^1]; }
        else if (s.Length > 3 && s.EndsWith("UTC", StringComparison.OrdinalIgnoreCase)) { utc = true; s = s[..^3]; }
        string format = s.Length switch
        {
            8 => "yyyyMMdd",
            12 => "yyyyMMddHHmm",
            14 => "yyyyMMddHHmmss",
            _ => "",
        };
        if (format.Length == 0 || !s.All(char.IsAsciiDigit)) return null;
        if (!DateTime.TryParseExact(s, format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var dt)) return null;
        var offset = utc ? TimeSpan.Zero : TimeZoneInfo.Local.GetUtcOffset(dt);
        long v = new DateTimeOffset(dt, offset).ToUnixTimeSeconds();
        return v < 0 ? 0 : (ulong)v;
    }
}
