namespace Hop.Ssh.Config;

/// <summary>One obtained value of a keyword: its arguments as written (quotes removed), and where it came from.</summary>
/// <param name="Keyword">The keyword's canonical lower-case name (aliases resolved: pubkeyacceptedkeytypes → pubkeyacceptedalgorithms).</param>
/// <param name="Arguments">The arguments, unexpanded. For ProxyCommand the raw rest of the line is the single argument.</param>
/// <param name="File">The file, or "command-line" for -o options.</param>
/// <param name="Line">1-based line number (0 for -o options).</param>
public sealed record ConfigEntry(string Keyword, IReadOnlyList<string> Arguments, string File, int Line)
{
    /// <summary>The first argument.</summary>
    public string Value => Arguments.Count > 0 ? Arguments[0] : "";

    public override string ToString() => $"{Keyword} {string.Join(' ', Arguments)} ({File}:{Line})";
}
