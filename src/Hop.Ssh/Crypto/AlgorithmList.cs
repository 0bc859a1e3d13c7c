namespace Hop.Ssh.Crypto;

/// <summary>
/// OpenSSH's syntax for algorithm options (Ciphers, MACs, KexAlgorithms, HostKeyAlgorithms; see
/// ssh_config(5)): a plain list replaces the default; "+list" appends to it; "-list" removes from it;
/// "^list" puts the names first. Entries may be wildcard patterns ('*' and '?'), matched against
/// every supported name. A name Hop does not support is an error, except in a "-list", where
/// removing it changes nothing (as in OpenSSH).
/// </summary>
public static class AlgorithmList
{
    /// <summary>
    /// Applies <paramref name="spec"/> to <paramref name="defaults"/>. Null or empty gives the
    /// defaults. Throws <see cref="SshException"/> naming the unknown entry, or when nothing is left.
    /// </summary>
    /// <param name="spec">The option value, for example "+aes128-cbc" or "-*-sha1*".</param>
    /// <param name="defaults">The default preference list.</param>
    /// <param name="supported">Every name Hop supports in this category.</param>
    /// <param name="category">The category as ssh -Q names it (cipher, mac, kex, key), for messages.</param>
    public static IReadOnlyList<string> Apply(string? spec, IReadOnlyList<string> defaults, IReadOnlyList<string> supported, string category)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        ArgumentNullException.ThrowIfNull(supported);
        if (string.IsNullOrWhiteSpace(spec)) return defaults.ToArray();
        spec = spec.Trim();
        char mode = spec[0] is '+' or '-' or '^' ? spec[0] : '=';
        var entries = (mode == '=' ? spec : spec[1..]).Split(',', StringSplitOptions.TrimEntries);
        if (entries.Any(e => e.Length == 0)) throw new SshException($"empty {category} name in \"{spec}\"");
        var named = new List<string>();
        foreach (string entry in entries)
        {
            var matches = Expand(entry, supported);
            // Removing what is not there is harmless (configs written for OpenSSH say "-3des-cbc").
            if (matches.Count == 0 && mode != '-')
                throw new SshException(IsPattern(entry)
                    ? $"{category} pattern \"{entry}\" matches no supported algorithm (hop ssh -Q {category} lists them)"
                    : $"unsupported {category} \"{entry}\" (hop ssh -Q {category} lists the supported ones)");
            foreach (string m in matches)
                if (!named.Contains(m, StringComparer.Ordinal)) named.Add(m);
        }

        List<string> result = mode switch
        {
            '+' => defaults.Concat(named.Where(n => !defaults.Contains(n, StringComparer.Ordinal))).ToList(),
            '-' => defaults.Where(d => !named.Contains(d, StringComparer.Ordinal)).ToList(),
            '^' => named.Concat(defaults.Where(d => !named.Contains(d, StringComparer.Ordinal))).ToList(),
            _ => named,
        };
        if (result.Count == 0) throw new SshException($"no {category} algorithms left after \"{spec}\"");
        return result;
    }

    private static List<string> Expand(string entry, IReadOnlyList<string> supported)
    {
        if (!IsPattern(entry))
            return supported.Contains(entry, StringComparer.Ordinal) ? [entry] : [];
        return supported.Where(s => WildcardMatch(s, entry)).ToList();
    }

    private static bool IsPattern(string entry) => entry.AsSpan().IndexOfAny('*', '?') >= 0;

    /// <summary>Glob match with '*' (any run) and '?' (one character), as OpenSSH's match_pattern.</summary>
    internal static bool WildcardMatch(ReadOnlySpan<char> text, ReadOnlySpan<char> pattern)
    {
        int t = 0, p = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t])) { t++; p++; }
            else if (p < pattern.Length && pattern[p] == '*') { starP = p++; starT = t; }
            else if (starP >= 0) { p = starP + 1; t = ++starT; }
            else return false;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }
}
