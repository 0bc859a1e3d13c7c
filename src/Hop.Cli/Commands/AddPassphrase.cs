using System.Runtime.InteropServices;
using System.Text;
using Hop.Cli.Terminal;
using Hop.Ssh.Agent;

namespace Hop.Cli.Commands;

/// <summary>
/// ssh-add's read_passphrase(RP_ALLOW_STDIN): SSH_ASKPASS when SSH_ASKPASS_REQUIRE says so or
/// when stdin is not a terminal (and askpass is allowed: DISPLAY set or "force"); otherwise the
/// terminal with echo off, or stdin when there is no terminal. Returns null at end of input.
/// </summary>
internal static partial class AddPassphrase
{
    /// <summary>readpassphrase's buffer is 1024 bytes: at most this much of a line is kept.</summary>
    internal const int MaxPassphraseLength = 1023;

    /// <summary>How much of a line from stdin is read before its missing end counts as the end of input.</summary>
    internal const int MaxLineRead = 64 * 1024;

    public static async Task<char[]?> ReadAsync(string prompt)
    {
        if (UsesAskpass()) return await AskpassAsync(prompt).ConfigureAwait(false);
        return ReadFromTerminal(prompt);
    }

    /// <summary>Whether read_passphrase(RP_ALLOW_STDIN) would run the askpass program (ssh-add's and ssh-keygen's rule).</summary>
    internal static bool UsesAskpass()
    {
        bool useAskpass = Askpass.Require switch
        {
            "force" => true,
            "prefer" => Askpass.IsAllowed,
            _ => Console.IsInputRedirected,
        };
        return useAskpass && Askpass.IsAllowed;
    }

    internal static Task<char[]?> AskpassAsync(string prompt) =>
        Askpass.AskAsync(prompt, confirm: false, TimeSpan.FromMinutes(5), CancellationToken.None);

    private static char[]? ReadFromTerminal(string prompt)
    {
        if (!OperatingSystem.IsWindows())
        {
            FileStream? tty = null;
            try
            {
                tty = new FileStream("/dev/tty", FileMode.Open, FileAccess.ReadWrite);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            if (tty is not null)
            {
                using (tty) return ReadNoEcho(tty, prompt);
            }
        }
        else if (!Console.IsInputRedirected)
        {
            Console.Error.Write(prompt);
            var sb = new StringBuilder();
            while (true)
            {
                var k = Console.ReadKey(intercept: true);
                if (k.Key == ConsoleKey.Enter) break;
                if (k.Key == ConsoleKey.Backspace) { if (sb.Length > 0) sb.Length--; continue; }
                sb.Append(k.KeyChar);
            }
            Console.Error.WriteLine();
            var r = new char[sb.Length];
            sb.CopyTo(0, r, 0, sb.Length);
            sb.Clear();
            return r;
        }
        // No terminal: the prompt goes to stderr and the line comes from stdin.
        Console.Error.Write(prompt);
        return ReadLine(StandardStream.Open(0), echo: null);
    }

    private static char[]? ReadNoEcho(FileStream tty, string prompt)
    {
        int fd = (int)tty.SafeFileHandle.DangerousGetHandle();
        byte[] saved = new byte[256];
        byte[] raw = new byte[256];
        bool restore = TcGetAttr(fd, saved) == 0;
        if (restore)
        {
            saved.CopyTo(raw, 0);
            CfMakeRaw(raw);
            TcSetAttr(fd, 0, raw);
        }
        try
        {
            byte[] p = Encoding.UTF8.GetBytes(prompt);
            tty.Write(p);
            tty.Flush();
            var line = ReadLine(tty, tty);
            tty.Write("\r\n"u8);
            return line;
        }
        finally
        {
            if (restore) TcSetAttr(fd, 0, saved);
        }
    }

    /// <summary>
    /// Reads bytes to CR or LF (backspace edits, ^C or ^D on an empty line ends); null at end of input.
    /// As ssh-add's readpassphrase, the first <see cref="MaxPassphraseLength"/> bytes are kept. A
    /// line with no end in sight (stdin on /dev/zero) is given up after <see cref="MaxLineRead"/>
    /// bytes, as the end of input: ssh-add's loop of "Bad
    /// passphrase, try again" then stops, instead of a line that grows, or asks, for ever.
    /// </summary>
    private static char[]? ReadLine(Stream input, Stream? echo)
    {
        _ = echo;
        var bytes = new List<byte>();
        byte[] one = new byte[1];
        bool any = false;
        try
        {
            for (int read = 0; ; read++)
            {
                if (read >= MaxLineRead) return null;
                int n = input.Read(one, 0, 1);
                if (n == 0) return any ? Decode(bytes) : null;
                any = true;
                byte b = one[0];
                if (b is (byte)'\n' or (byte)'\r') return Decode(bytes);
                if (b == 3) return null; // ^C in raw mode
                if (b == 4 && bytes.Count == 0) return null;
                if (b is 0x7f or 0x08)
                {
                    if (bytes.Count > 0) bytes.RemoveAt(bytes.Count - 1);
                    continue;
                }
                if (bytes.Count < MaxPassphraseLength) bytes.Add(b);
            }
        }
        finally
        {
            var span = CollectionsMarshal.AsSpan(bytes);
            span.Clear();
        }
    }

    private static char[] Decode(List<byte> bytes)
    {
        var span = CollectionsMarshal.AsSpan(bytes);
        var chars = new char[Encoding.UTF8.GetCharCount(span)];
        Encoding.UTF8.GetChars(span, chars);
        return chars;
    }

    [LibraryImport("libc", EntryPoint = "tcgetattr")]
    private static partial int TcGetAttr(int fd, [Out] byte[] termios);

    [LibraryImport("libc", EntryPoint = "tcsetattr")]
    private static partial int TcSetAttr(int fd, int actions, byte[] termios);

    [LibraryImport("libc", EntryPoint = "cfmakeraw")]
    private static partial void CfMakeRaw([In, Out] byte[] termios);
}
