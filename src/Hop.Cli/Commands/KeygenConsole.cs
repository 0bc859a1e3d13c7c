using System.Text;

namespace Hop.Cli.Commands;

/// <summary>
/// The questions `hop keygen` asks. As ssh-keygen without a terminal, answers come from stdin; file
/// questions are printed on stdout, passphrase prompts on stderr, and passphrases are read without echo
/// when stdin is a terminal (on Unix from the controlling terminal, prompt included).
/// </summary>
internal static class KeygenConsole
{
    /// <summary>Prints <paramref name="prompt"/> on stdout and reads one line (null at end of input).</summary>
    public static string? AskLine(string prompt)
    {
        Console.Out.Write(prompt);
        Console.Out.Flush();
        // From a terminal, the kernel's line editing on fd 0, as ssh-keygen's fgets: Console.In's
        // own would set the terminal's keypad to application mode and leave it so.
        if (OperatingSystem.IsWindows() || Terminal.RawTerminal.OpenTerminalStream(0) is not { } terminal) return Console.In.ReadLine();
        using (terminal) return ReadTerminalLine(terminal);
    }

    /// <summary>One line of a terminal in canonical mode, read a byte at a time so that nothing after it is taken (null at its end).</summary>
    private static string? ReadTerminalLine(Stream terminal)
    {
        var line = new List<byte>();
        var one = new byte[1];
        while (line.Count < 4096)
        {
            if (terminal.Read(one, 0, 1) == 0)
            {
                if (line.Count == 0) return null;
                break;
            }
            if (one[0] == '\n') break;
            line.Add(one[0]);
        }
        return Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(line));
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
        // As readpassphrase: on the controlling terminal, so that .NET's Console (ReadKey) never sets
        // the terminal's keypad to application mode, which it would leave behind.
        // The end of the terminal's input (Ctrl-D) with nothing typed is an empty passphrase, as there.
        if (!OperatingSystem.IsWindows() && !Console.IsInputRedirected)
        {
            var typed = Terminal.Prompter.ReadLineFromTty(prompt, echo: false, out bool noTerminal);
            if (!noTerminal) return typed ?? [];
        }
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
