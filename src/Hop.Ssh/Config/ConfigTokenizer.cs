namespace Hop.Ssh.Config;

/// <summary>
/// Splits ssh_config lines the way OpenSSH's readconf does: the keyword ends at white space, a quote
/// or one '='; the arguments are split on white space with "double" and 'single' quotes and
/// backslash escapes; a '#' at the start of an argument ends the line.
/// </summary>
internal static class ConfigTokenizer
{
    private const string WhiteSpace = " \t\r\n";

    /// <summary>Splits off the keyword; returns false for blank and comment lines.</summary>
    /// <param name="line">One line without its newline.</param>
    /// <param name="keyword">The keyword as written (not lower-cased).</param>
    /// <param name="rest">Everything after the keyword and its separator.</param>
    public static bool SplitKeyword(string line, out string keyword, out string rest)
    {
        keyword = "";
        rest = "";
        // Strip trailing white space (and form feeds), as OpenSSH does.
        int end = line.Length;
        while (end > 0 && (WhiteSpace.Contains(line[end - 1], StringComparison.Ordinal) || line[end - 1] == '\f')) end--;
        string s = line[..end];
        int i = 0;
        while (i < s.Length && WhiteSpace.Contains(s[i], StringComparison.Ordinal)) i++;
        if (i >= s.Length || s[i] == '#') return false;

        string? kw = Delimit(s, ref i, splitEquals: true);
        if (kw is null || kw.Length == 0 || kw[0] == '#') return false;
        keyword = kw;
        while (i < s.Length && WhiteSpace.Contains(s[i], StringComparison.Ordinal)) i++;
        rest = s[i..];
        return true;
    }

    /// <summary>OpenSSH's strdelim: the next word; a leading double quote runs to the next one.</summary>
    /// <returns>null when a quote is not closed.</returns>
    public static string? Delimit(string s, ref int i, bool splitEquals)
    {
        int start = i;
        int stop = start;
        while (stop < s.Length && !WhiteSpace.Contains(s[stop], StringComparison.Ordinal) && s[stop] != '"' && !(splitEquals && s[stop] == '=')) stop++;
        if (stop >= s.Length)
        {
            i = s.Length;
            return s[start..];
        }
        if (s[stop] == '"')
        {
            int close = s.IndexOf('"', stop + 1);
            if (close < 0)
            {
                i = s.Length;
                return null;
            }
            string word = string.Concat(s.AsSpan(start, stop - start), s.AsSpan(stop + 1, close - stop - 1));
            i = close + 1;
            while (i < s.Length && WhiteSpace.Contains(s[i], StringComparison.Ordinal)) i++;
            return word;
        }
        bool sawEquals = splitEquals && s[stop] == '=';
        string result = s[start..stop];
        i = stop + 1;
        while (i < s.Length && WhiteSpace.Contains(s[i], StringComparison.Ordinal)) i++;
        if (splitEquals && !sawEquals && i < s.Length && s[i] == '=')
        {
            i++;
            while (i < s.Length && WhiteSpace.Contains(s[i], StringComparison.Ordinal)) i++;
        }
        return result;
    }

    /// <summary>OpenSSH's argv_split with comment termination.</summary>
    /// <returns>null when a quote is not closed.</returns>
    public static List<string>? SplitArguments(string s) => SplitArguments(s, terminateOnComment: true);

    /// <summary>OpenSSH's argv_split; a '#' starting a word ends the line only when <paramref name="terminateOnComment"/>.</summary>
    /// <returns>null when a quote is not closed.</returns>
    public static List<string>? SplitArguments(string s, bool terminateOnComment)
    {
        var args = new List<string>();
        var sb = new System.Text.StringBuilder();
        int i = 0;
        while (i < s.Length)
        {
            char c = s[i];
            if (c == ' ' || c == '\t')
            {
                i++;
                continue;
            }
            if (c == '#' && terminateOnComment) break;
            sb.Clear();
            char quote = '\0';
            for (; i < s.Length; i++)
            {
                c = s[i];
                if (c == '\\')
                {
                    char next = i + 1 < s.Length ? s[i + 1] : '\0';
                    if (next == '\'' || next == '"' || next == '\\' || (quote == '\0' && next == ' '))
                    {
                        i++;
                        sb.Append(next);
                    }
                    else
                    {
                        sb.Append(c);
                    }
                }
                else if (quote == '\0' && (c == ' ' || c == '\t'))
                {
                    break;
                }
                else if (quote == '\0' && (c == '"' || c == '\''))
                {
                    quote = c;
                }
                else if (quote != '\0' && c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    sb.Append(c);
                }
            }
            if (quote != '\0') return null;
            args.Add(sb.ToString());
        }
        return args;
    }
}
