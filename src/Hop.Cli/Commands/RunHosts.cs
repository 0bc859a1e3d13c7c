using Hop.Ssh;
using System.Text;
using System.Text.RegularExpressions;

namespace Hop.Cli.Commands;

/// <summary>One line of a hosts list: "[user@]host[:port]" (or parallel-ssh's older "host[:port] user").</summary>
internal sealed record RunHost(string Host, string? Port, string? User)
{
    /// <summary>
    /// The name the host goes by in reports and output files, as parallel-ssh's: the user only when
    /// it differs from -l, the port only when one was given.
    /// </summary>
    public string PrettyName(string? defaultUser)
    {
        string name = User is not null && User != defaultUser ? $"{User}@{Host}" : Host;
        return Port is null ? name : $"{name}:{Port}";
    }
}

/// <summary>Reads hosts files and -H strings as parallel-ssh does.</summary>
internal static class RunHosts
{
    /// <summary>A hosts file larger than this is refused rather than read into memory.</summary>
    public const int MaxFileBytes = 16 * 1024 * 1024;

    /// <summary>
    /// Hosts from <paramref name="path"/>: one per line, "#" starts a comment, blank lines are
    /// skipped; a bad line is reported on <paramref name="warnings"/> and left out.
    /// </summary>
    /// <exception cref="IOException">the file cannot be read, or is too large.</exception>
    public static List<RunHost> ReadFile(string path, string? glob, string? defaultUser, TextWriter warnings)
    {
        string text = BoundedFile.ReadAllText(path, MaxFileBytes);
        var match = glob is null ? null : Glob(glob);
        var hosts = new List<RunHost>();
        foreach (string raw in text.Split('\n'))
        {
            int hash = raw.IndexOf('#', StringComparison.Ordinal);
            string line = (hash >= 0 ? raw[..hash] : raw).Trim();
            if (line.Length == 0) continue;
            string[] fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 2)
            {
                warnings.WriteLine($"Bad line: \"{line}\". Format should be [user@]host[:port] [user]");
                continue;
            }
            var host = Parse(fields[0], null);
            if (fields.Length == 2)
            {
                if (host.User is not null)
                {
                    warnings.WriteLine($"User specified twice in line: \"{line}\"");
                    continue;
                }
                host = host with { User = fields[1] };
            }
            host = host with { User = host.User ?? defaultUser };
            if (match is null || match.IsMatch(host.Host)) hosts.Add(host);
        }
        return hosts;
    }

    /// <summary>Hosts from one -H value: blank-separated "[user@]host[:port]" entries (not filtered by -g, as parallel-ssh).</summary>
    public static IEnumerable<RunHost> ParseString(string hosts, string? defaultUser) =>
        hosts.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(h => Parse(h, defaultUser));

    /// <summary>"[user@]host[:port]"; an IPv6 address with a port is written "[addr]:port".</summary>
    public static RunHost Parse(string entry, string? defaultUser)
    {
        string? user = defaultUser;
        int at = entry.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            user = entry[..at];
            entry = entry[(at + 1)..];
        }
        string? port = null;
        if (entry.StartsWith('[') && entry.IndexOf(']', StringComparison.Ordinal) is int close and > 0)
        {
            if (entry.Length > close + 1 && entry[close + 1] == ':') port = entry[(close + 2)..];
            entry = entry[1..close];
        }
        else if (entry.LastIndexOf(':') is int colon and >= 0 && entry.IndexOf(':', StringComparison.Ordinal) == colon)
        {
            port = entry[(colon + 1)..];
            entry = entry[..colon];
        }
        return new RunHost(entry, port, user);
    }

    /// <summary>A shell glob (*, ?, [set], [!set]) as a whole-string match.</summary>
    internal static Regex Glob(string pattern)
    {
        var sb = new StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            char ch = pattern[i];
            int close = ch == '[' ? pattern.IndexOf(']', i + 2 <= pattern.Length ? i + 2 : i + 1) : -1;
            if (ch == '*') sb.Append(".*");
            else if (ch == '?') sb.Append('.');
            else if (close > i)
            {
                string set = pattern[(i + 1)..close];
                bool negate = set.StartsWith('!');
                if (negate) set = set[1..];
                sb.Append(negate ? "[^" : "[").Append(set.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("[", "\\[", StringComparison.Ordinal)).Append(']');
                i = close;
            }
            else sb.Append(Regex.Escape(ch.ToString()));
        }
        return new Regex(sb.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
