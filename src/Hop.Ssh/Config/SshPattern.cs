namespace Hop.Ssh.Config;

/// <summary>
/// OpenSSH's patterns (ssh_config(5) PATTERNS): '*' matches any run of characters, '?' exactly one;
/// a pattern-list is comma-separated and an entry starting with '!' negates: a negated match
/// fails the whole list.
/// </summary>
public static class SshPattern
{
    /// <summary>Matches one glob pattern against a string (case-sensitive, like match_pattern).</summary>
    public static bool Match(string text, string pattern)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(pattern);
        return MatchAt(text.AsSpan(), pattern.AsSpan());
    }

    private static bool MatchAt(ReadOnlySpan<char> s, ReadOnlySpan<char> p)
    {
        // Iterative glob with single backtrack point (sufficient for '*' and '?').
        int si = 0, pi = 0, starP = -1, starS = 0;
        while (si < s.Length)
        {
            if (pi < p.Length && (p[pi] == '?' || p[pi] == s[si]) && p[pi] != '*')
            {
                si++;
                pi++;
            }
            else if (pi < p.Length && p[pi] == '*')
            {
                starP = pi++;
                starS = si;
            }
            else if (starP >= 0)
            {
                pi = starP + 1;
                si = ++starS;
            }
            else
            {
                return false;
            }
        }
        while (pi < p.Length && p[pi] == '*') pi++;
        return pi == p.Length;
    }

    /// <summary>
    /// match_pattern_list: 1 for a positive match, -1 when a negated entry matched, 0 for no match.
    /// With <paramref name="ignoreCase"/> the text is lower-cased and the patterns compared as lower case.
    /// </summary>
    public static int MatchList(string text, string patternList, bool ignoreCase = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(patternList);
        if (ignoreCase) text = text.ToLowerInvariant();
        int got = 0;
        foreach (string raw in patternList.Split(','))
        {
            string sub = raw;
            bool negated = sub.StartsWith('!');
            if (negated) sub = sub[1..];
            if (ignoreCase) sub = sub.ToLowerInvariant();
            if (Match(text, sub))
            {
                if (negated) return -1;
                got = 1;
            }
        }
        return got;
    }

    /// <summary>match_hostname: a case-insensitive pattern-list match of a host name.</summary>
    public static int MatchHostName(string host, string patternList) => MatchList(host, patternList, ignoreCase: true);
}
