namespace Hop.Ssh.Config;

/// <summary>
/// Resolves an algorithm keyword's value against a category as OpenSSH's kex_assemble_names does:
/// "+list" appends to the default, "-list" removes matching names from it, "^list" puts names first;
/// the result keeps each name once, in order.
/// </summary>
public static class AlgorithmList
{
    /// <summary>Checks a value as readconf does; returns an error message or null.</summary>
    public static string? Check(string value, AlgorithmCategory category)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(category);
        if (value.StartsWith('-'))
        {
            // Removing names can only go wrong one way: by removing every one.
            string[] deny = value[1..].Split(',');
            return category.Default.Any(a => !deny.Any(p => SshPattern.Match(a, p))) ? null : "empty algorithm list";
        }
        string list = value.StartsWith('+') || value.StartsWith('^') ? value[1..] : value;
        if (list.Length == 0) return "empty algorithm list";
        foreach (string name in list.Split(','))
        {
            if (name.Length == 0 || name.StartsWith('!')) return $"bad algorithm list '{value}'";
            bool known = category.PatternsAllowed
                ? category.All.Any(a => SshPattern.Match(a, name))
                : category.All.Contains(name);
            if (!known) return $"unsupported algorithm '{name}'";
        }
        return null;
    }

    /// <summary>OpenSSH's words for a refused value of an algorithm keyword (readconf.c), without the "FILE line N: ".</summary>
    public static string BadSpecMessage(string keyword, string value)
    {
        ArgumentNullException.ThrowIfNull(keyword);
        return keyword.ToLowerInvariant() switch
        {
            "ciphers" => $"Bad SSH2 cipher spec '{value}'.",
            "macs" => $"Bad SSH2 MAC spec '{value}'.",
            "kexalgorithms" => $"Bad SSH2 KexAlgorithms '{value}'.",
            _ => $"Bad key types '{value}'.",
        };
    }

    /// <summary>The effective list for a configured value (null: the default).</summary>
    /// <exception cref="SshConfigException">The result is empty or a name is unsupported.</exception>
    public static IReadOnlyList<string> Resolve(string? value, AlgorithmCategory category)
    {
        ArgumentNullException.ThrowIfNull(category);
        if (string.IsNullOrEmpty(value)) return category.Default;
        string error = $"bad algorithm list '{value}'";
        if (value.StartsWith('-'))
        {
            string[] deny = value[1..].Split(',');
            var kept = category.Default.Where(a => !deny.Any(p => SshPattern.Match(a, p))).ToList();
            if (kept.Count == 0) throw new SshConfigException(error);
            return kept;
        }
        IEnumerable<string> names = value[0] switch
        {
            '+' => category.Default.Concat(value[1..].Split(',')),
            '^' => value[1..].Split(',').Concat(category.Default),
            _ => value.Split(','),
        };
        var result = new List<string>();
        foreach (string pattern in names)
        {
            if (pattern.StartsWith('!')) throw new SshConfigException(error);
            foreach (string a in category.All)
                if (SshPattern.Match(a, pattern) && !result.Contains(a)) result.Add(a);
        }
        if (result.Count == 0) throw new SshConfigException(error);
        return result;
    }
}
