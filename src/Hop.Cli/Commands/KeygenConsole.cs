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

    /// <summary>
    /// Reads a passphrase without echo, as ssh-keygen's read_passphrase(RP_ALLOW_STDIN): through the
    /// askpass program when ssh-add would use it (<see cref="AddPassphrase.UsesAskpass"/>); else from
    /// the terminal, or one line of stdin (through Console.In, which the file-name questions read
    /// too). The caller zeroes the returned array.
    /// </summary>
    public static char[] AskPassphrase(string prompt)
    {
        // A short-lived process with no synchronisation context: waiting here blocks nothing else.
        if (AddPassphrase.UsesAskpass()) return AddPassphrase.AskpassAsync(prompt).GetAwaiter().GetResult() ?? [];
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

    /// <summary>
    /// One line of <paramref name="input"/>, bounded as ssh-add's (<see cref="AddPassphrase.MaxPassphraseLength"/>
    /// characters kept; a line with no newline in sight, /dev/zero, ends after <see cref="AddPassphrase.MaxLineRead"/>)
    /// instead of growing without end.
    /// </summary>
    internal static char[] ReadLineBounded(TextReader input)
    {
        var kept = new char[AddPassphrase.MaxPassphraseLength];
        int length = 0;
        for (int read = 0; read < AddPassphrase.MaxLineRead; read++)
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
