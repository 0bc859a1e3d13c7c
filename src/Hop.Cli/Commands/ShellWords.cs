using System.Text;

namespace Hop.Cli.Commands;

/// <summary>
/// Splits a string into words as a POSIX shell would, without expanding anything: blanks separate
/// words, single quotes keep everything, double quotes keep all but a backslash before \ " $ `,
/// and a backslash outside quotes keeps the next character (parallel-ssh's -x, Python's shlex.split).
/// </summary>
internal static class ShellWords
{
    /// <exception cref="UsageException">an unterminated quote or a trailing backslash.</exception>
    public static List<string> Split(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        for (int i = 0; i < text.Length; i++)
        {
            char ch = text[i];
            if (char.IsWhiteSpace(ch))
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
                continue;
            }
            inWord = true;
            switch (ch)
            {
                case '\'':
                    int close = text.IndexOf('\'', i + 1);
                    if (close < 0) throw new UsageException($"no closing quotation in '{text}'");
                    word.Append(text, i + 1, close - i - 1);
                    i = close;
                    break;
                case '"':
                    i = AppendDoubleQuoted(text, i + 1, word);
                    break;
                case '\\':
                    if (++i >= text.Length) throw new UsageException($"no escaped character in '{text}'");
                    word.Append(text[i]);
                    break;
                default:
                    word.Append(ch);
                    break;
            }
        }
        if (inWord) words.Add(word.ToString());
        return words;
    }

    /// <summary>Appends the inside of a double-quoted part starting at <paramref name="i"/>; returns the index of the closing quote.</summary>
    private static int AppendDoubleQuoted(string text, int i, StringBuilder word)
    {
        for (; i < text.Length; i++)
        {
            char ch = text[i];
            if (ch == '"') return i;
            if (ch == '\\' && i + 1 < text.Length && text[i + 1] is '\\' or '"' or '$' or '`')
            {
                word.Append(text[++i]);
                continue;
            }
            word.Append(ch);
        }
        throw new UsageException($"no closing quotation in '{text}'");
    }
}
