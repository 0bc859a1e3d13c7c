using System.Buffers;
using System.Globalization;
using System.Text;

namespace Hop.Cli.Terminal;

/// <summary>
/// Text that reaches the user's terminal from elsewhere (a server's banner, prompts and messages),
/// made harmless as OpenSSH makes it: a control character becomes a backslash and three octal digits
/// per byte, so that no escape sequence (a title or clipboard write, a cleared screen) gets through.
/// </summary>
internal static class UntrustedText
{
    /// <summary>
    /// As ssh's fmprintf/asmprintf (utf8.c) show a banner or a keyboard-interactive prompt: newline,
    /// carriage return and tab stay; other control characters are escaped; characters beyond ASCII
    /// stay when the locale is UTF-8 (<paramref name="utf8"/>, by default as the environment says)
    /// and are escaped byte by byte otherwise.
    /// </summary>
    public static string ForTerminal(string text, bool? utf8 = null)
    {
        bool keepNonAscii = utf8 ?? LocaleIsUtf8();
        if (!NeedsWork(text, c => c is '\n' or '\r' or '\t' || (c >= 0x20 && c < 0x7F)
            || (keepNonAscii && c > 0x9F && CharUnicodeInfo.GetUnicodeCategory(c) is not (UnicodeCategory.Surrogate or UnicodeCategory.OtherNotAssigned)))) return text;
        var s = new StringBuilder(text.Length + 16);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c is '\n' or '\r' or '\t' || (c >= 0x20 && c < 0x7F))
            {
                s.Append(c);
                continue;
            }
            int length = RuneLength(text, i);
            var rune = text.AsSpan(i, length);
            if (keepNonAscii && Printable(rune)) s.Append(rune);
            else AppendOctal(s, rune);
            i += length - 1;
        }
        return s.ToString();
    }

    /// <summary>
    /// As ssh's log lines on stderr (log.c: strnvis with VIS_SAFE | VIS_OCTAL), byte by byte: printable
    /// ASCII, space, tab, newline, carriage return, backspace and bell stay, a backslash is doubled,
    /// and every other byte (other controls, DEL, each byte of a character beyond ASCII) is escaped.
    /// On Windows, where every path has backslashes, they stay single (<paramref name="doubleBackslashes"/>).
    /// </summary>
    public static string ForLog(string text) => ForLog(text, doubleBackslashes: !OperatingSystem.IsWindows());

    public static string ForLog(string text, bool doubleBackslashes)
    {
        if (!NeedsWork(text, c => c is '\n' or '\r' or '\t' or '\b' or '\a' || (c >= 0x20 && c < 0x7F && (c != '\\' || !doubleBackslashes)))) return text;
        var s = new StringBuilder(text.Length + 16);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\\' && doubleBackslashes) s.Append(@"\\");
            else if (c is '\n' or '\r' or '\t' or '\b' or '\a' || (c >= 0x20 && c < 0x7F)) s.Append(c);
            else
            {
                int length = RuneLength(text, i);
                AppendOctal(s, text.AsSpan(i, length));
                i += length - 1;
            }
        }
        return s.ToString();
    }

    /// <summary>ssh's msetlocale: the first of LC_ALL, LC_CTYPE and LANG that is set names the character set.</summary>
    public static bool LocaleIsUtf8()
    {
        foreach (var name in (ReadOnlySpan<string>)["LC_ALL", "LC_CTYPE", "LANG"])
        {
            if (Environment.GetEnvironmentVariable(name) is not { Length: > 0 } value) continue;
            return value.Contains("UTF-8", StringComparison.OrdinalIgnoreCase) || value.Contains("utf8", StringComparison.OrdinalIgnoreCase);
        }
        return false;
    }

    private static bool NeedsWork(string text, Func<char, bool> stays)
    {
        foreach (char c in text)
            if (!stays(c)) return true;
        return false;
    }

    /// <summary>What wcwidth counts as printable: not a control, a lone surrogate or an unassigned code point.</summary>
    private static bool Printable(ReadOnlySpan<char> rune) =>
        Rune.DecodeFromUtf16(rune, out var r, out _) == OperationStatus.Done
        && Rune.GetUnicodeCategory(r) is not (UnicodeCategory.Control or UnicodeCategory.OtherNotAssigned);

    /// <summary>The characters of the code point at <paramref name="i"/>: two for a surrogate pair, else one (a lone surrogate too).</summary>
    private static int RuneLength(string text, int i) =>
        char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;

    private static void AppendOctal(StringBuilder s, ReadOnlySpan<char> rune)
    {
        Span<byte> bytes = stackalloc byte[4];
        // A lone surrogate has no UTF-8 form; it is shown as the replacement character's bytes.
        int n = Encoding.UTF8.GetBytes(rune, bytes);
        foreach (byte b in bytes[..n]) s.Append('\\').Append((char)('0' + (b >> 6))).Append((char)('0' + ((b >> 3) & 7))).Append((char)('0' + (b & 7)));
    }
}
