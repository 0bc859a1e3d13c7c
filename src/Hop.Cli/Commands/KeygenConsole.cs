using System.Text;

namespace Hop.Cli.Commands;

/// <summary>
/// The questions `hop keygen` asks. As ssh-keygen without a terminal, answers come from stdin; file
/// questions are printed on stdout, passphrase prompts on stderr, and passphrases are read without echo
/// when stdin is a terminal.
/// </summary>
internal static class KeygenConsole
{
    /// <summary>Prints <paramref name="prompt"/> on stdout and reads one line (null at end of input).</summary>
    public static string? AskLine(string prompt)
    {
        Console.Out.Write(prompt);
        Console.Out.Flush();
        return Console.In.ReadLine();
    }

    /// <summary>ssh-keygen keeps at most this much of a passphrase line (readpassphrase's buffer, 1024 bytes).</summary>
    internal const int MaxPassphraseChars = 1023;

    /// <summary>How much of a line from a non-terminal stdin is read before giving up on its newline.</summary>
    private const int MaxLineChars = 64 * 1024;

    /// <summary>
    /// Reads a passphrase without echo, as ssh-keygen's read_passphrase(RP_ALLOW_STDIN): through
    /// SSH_ASKPASS when SSH_ASKPASS_REQUIRE says force or prefer, or when stdin is not a terminal
    /// and there is a display; else from the terminal, or one line of stdin. The caller zeroes the
    /// returned array.
    /// </summary>
    public static char[] AskPassphrase(string prompt)
    {
        if (UseAskpass()) return Terminal.Prompter.ReadSecret(prompt)?.ToCharArray() ?? [];
        Console.Error.Write(prompt);
        Console.Error.Flush();
        if (Console.IsInputRedirected) return ReadLineBounded(Console.In);
        var buffer = new StringBuilder();
        try
        {
            while (true)
            {
                var k = Console.ReadKey(intercept: true);
                if (k.Key == ConsoleKey.Enter) break;
                if (k.Key == ConsoleKey.Backspace)
                {
                    if (buffer.Length > 0) buffer.Length--;
                    continue;
                }
                if (k.KeyChar == '\u0004' && buffer.Length == 0) break;
                if (k.KeyChar != '\0') buffer.Append(k.KeyChar);
            }
            Console.Error.WriteLine();
            var result = new char[buffer.Length];
            buffer.CopyTo(0, result, result.Length);
            return result;
        }
        finally
        {
            // StringBuilder has no zeroing API: overwrite its chunk before letting it go.
            for (int i = 0; i < buffer.Length; i++) buffer[i] = '\0';
        }
    }

    private static bool UseAskpass()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SSH_ASKPASS"))) return false;
        string? require = Environment.GetEnvironmentVariable("SSH_ASKPASS_REQUIRE");
        if (require is "force" or "prefer") return true;
        if (require == "never" || !Console.IsInputRedirected) return false;
        return !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")) || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WAYLAND_DISPLAY"));
    }

    /// <summary>
    /// One line of <paramref name="input"/>, of which the first <see cref="MaxPassphraseChars"/>
    /// characters are kept; a line with no newline in sight (/dev/zero) ends after
    /// <see cref="MaxLineChars"/>, instead of growing without end.
    /// </summary>
    internal static char[] ReadLineBounded(TextReader input)
    {
        var kept = new char[MaxPassphraseChars];
        int length = 0;
        for (int read = 0; read < MaxLineChars; read++)
        {
            int c = input.Read();
            if (c is -1 or '\n') break;
            if (c == '\r' && input.Peek() == '\n') continue;
            if (length < kept.Length) kept[length++] = (char)c;
        }
        var result = kept[..length];
        Array.Clear(kept);
        return result;
    }

    /// <summary>
    /// Asks twice; on a mismatch asks again when <paramref name="retry"/> (ssh-keygen's generation loop),
    /// else returns null (ssh-keygen -p gives up).
    /// </summary>
    public static char[]? AskNewPassphrase(string first, string again, bool retry)
    {
        while (true)
        {
            char[] a = AskPassphrase(first);
            char[] b = AskPassphrase(again);
            bool same = a.AsSpan().SequenceEqual(b);
            Array.Clear(b);
            if (same) return a;
            Array.Clear(a);
            Console.Out.WriteLine("Passphrases do not match.  Try again.");
            if (!retry) return null;
        }
    }
}
