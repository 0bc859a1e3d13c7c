namespace Hop.Ssh.Config;

/// <summary>CanonicalizeHostname: no (the default), yes (only for direct connections) or always (through a proxy too).</summary>
public enum CanonicalizeHostname
{
    No,
    Yes,
    Always,
}

/// <summary>
/// CanonicalDomains: the suffixes tried in turn when canonicalizing a host name, checked as OpenSSH's valid_domain
/// checks them (lower-cased, a trailing '.' dropped); "none" alone means no suffix.
/// </summary>
internal static class CanonicalDomainList
{
    /// <summary>OpenSSH's MAX_CANON_DOMAINS: at most this many suffixes (and permitted CNAME rules).</summary>
    public const int Max = 32;

    /// <summary>The error of a CanonicalDomains line, or null when it is good.</summary>
    public static string? Check(IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg.Length == 0) return "keyword canonicaldomains empty argument";
            if (string.Equals(arg, "none", StringComparison.OrdinalIgnoreCase) && args.Count > 1)
                return "keyword canonicaldomains \"none\" argument must appear alone.";
            if (Normalize(arg, out string? error) is null) return error;
        }
        return null;
    }

    /// <summary>The suffixes of a checked line: lower case, no trailing '.'; empty for "none".</summary>
    public static IReadOnlyList<string> Parse(IReadOnlyList<string> args) =>
        args.Count == 1 && string.Equals(args[0], "none", StringComparison.OrdinalIgnoreCase)
            ? []
            : args.Select(a => Normalize(a, out _)!).ToList();

    /// <summary>
    /// valid_domain: a letter or digit first, then letters, digits, '-', '_' and single dots. ssh lowers the name as it
    /// walks it, so a bad name is quoted lower-cased up to the character that spoiled it, as ssh quotes it.
    /// </summary>
    private static string? Normalize(string name, out string? error)
    {
        error = null;
        if (!char.IsAsciiLetterOrDigit(name[0]))
        {
            error = $"domain name \"{name}\" starts with invalid character";
            return null;
        }
        char last = '\0';
        for (int i = 0; i < name.Length; i++)
        {
            char c = char.ToLowerInvariant(name[i]);
            string seen = name[..(i + 1)].ToLowerInvariant() + name[(i + 1)..];
            if (last == '.' && c == '.')
            {
                error = $"domain name \"{seen}\" contains consecutive separators";
                return null;
            }
            if (c != '.' && c != '-' && c != '_' && !char.IsAsciiLetterOrDigit(c))
            {
                error = $"domain name \"{seen}\" contains invalid characters";
                return null;
            }
            last = c;
        }
        string lower = name.ToLowerInvariant();
        return lower.EndsWith('.') ? lower[..^1] : lower;
    }
}

/// <summary>One CanonicalizePermittedCNAMEs rule: a CNAME target may replace a name when both pattern lists match.</summary>
public sealed record PermittedCname(string SourceDomains, string TargetDomains)
{
    public override string ToString() => SourceDomains + ":" + TargetDomains;
}

/// <summary>CanonicalizePermittedCNAMEs: "none", "*" (any to any), or source_domain_list:target_domain_list rules.</summary>
internal static class PermittedCnames
{
    /// <summary>The error of a CanonicalizePermittedCNAMEs line, or null when it is good.</summary>
    public static string? Check(IReadOnlyList<string> args)
    {
        foreach (string arg in args)
        {
            if (string.Equals(arg, "none", StringComparison.OrdinalIgnoreCase))
            {
                if (args.Count > 1) return "keyword canonicalizepermittedcnames \"none\" argument must appear alone.";
                continue;
            }
            if (arg == "*") continue;
            int colon = arg.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0 || colon == arg.Length - 1) return $"Invalid permitted CNAME \"{arg.ToLowerInvariant()}\"";
        }
        return null;
    }

    /// <summary>The rules of a checked line (lower case); empty for "none".</summary>
    public static IReadOnlyList<PermittedCname> Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 1 && string.Equals(args[0], "none", StringComparison.OrdinalIgnoreCase)) return [];
        var rules = new List<PermittedCname>(args.Count);
        foreach (string arg in args)
        {
            if (arg == "*")
            {
                rules.Add(new PermittedCname("*", "*"));
                continue;
            }
            string lower = arg.ToLowerInvariant();
            int colon = lower.IndexOf(':', StringComparison.Ordinal);
            rules.Add(new PermittedCname(lower[..colon], lower[(colon + 1)..]));
        }
        return rules;
    }
}
