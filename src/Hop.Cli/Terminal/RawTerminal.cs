using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Hop.Cli.Terminal;

/// <summary>
/// Raw mode and window size of the local terminal through termios and ioctl (P/Invoke), or the
/// Windows console's VT mode (<see cref="WindowsConsole"/>). The
/// termios struct stays opaque bytes, saved and restored whole, so Linux's and macOS's layouts
/// both work; only the Linux layout is read for the modes sent to the server.
/// </summary>
internal static partial class RawTerminal
{
    private const int TcsaDrain = 1;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int tcgetattr(int fd, Span<byte> termios);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int tcsetattr(int fd, int action, ReadOnlySpan<byte> termios);

    [LibraryImport("libc")]
    private static partial void cfmakeraw(Span<byte> termios);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ioctl(int fd, nuint request, Span<ushort> winsize);

    [LibraryImport("libc")]
    private static partial int isatty(int fd);

    [LibraryImport("libc")]
    private static partial int getpid();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    public static bool IsTerminal(int fd) => OperatingSystem.IsWindows() ? WindowsConsole.IsConsole(fd) : isatty(fd) == 1;

    /// <summary>Stops this process as ^Z would (SIGTSTP); returns when it is continued.</summary>
    public static void SuspendSelf()
    {
        if (OperatingSystem.IsWindows()) return;
        int sigtstp = OperatingSystem.IsMacOS() ? 18 : 20;
        _ = kill(getpid(), sigtstp);
    }

    /// <summary>
    /// Sends Console.Out and Console.Error to fds 1 and 2 with write(2) (<see cref="StandardStream"/>;
    /// every other use of stdin, stdout and stderr goes through it too).
    /// .NET's Console initialises the terminal on its first write (keypad-transmit mode, ESC[?1h ESC=)
    /// and never puts it back: after `hop -V` the cursor keys and the keypad of the user's shell sent
    /// other codes, and inside `hop ssh`'s remote session too. With this, no hop command does that.
    /// </summary>
    public static void UseRawStandardStreams()
    {
        if (OperatingSystem.IsWindows()) return; // keypad mode is a Unix terminal's concern
        var utf8 = new System.Text.UTF8Encoding(false);
        Console.SetOut(new StreamWriter(StandardStream.Open(1), utf8) { AutoFlush = true });
        Console.SetError(new StreamWriter(StandardStream.Open(2), utf8) { AutoFlush = true });
    }

    /// <summary>
    /// A stream over the descriptor itself (fd 0, 1 or 2) when it is a terminal: raw bytes, no
    /// line editing or echo from .NET's Console, and no terminal set-up written by Console's
    /// initialisation (keypad-transmit mode). Otherwise null: redirected streams keep Console's
    /// streams, which write with write(2) and so share a file offset with the other descriptors.
    /// </summary>
    public static Stream? OpenTerminalStream(int fd)
    {
        if (OperatingSystem.IsWindows()) return WindowsConsole.OpenStream(fd);
        if (!IsTerminal(fd)) return null;
        var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: false);
        return new FileStream(handle, fd == 0 ? FileAccess.Read : FileAccess.Write, bufferSize: 0);
    }

    /// <summary>The current settings of <paramref name="fd"/>, or null when it is not a terminal.</summary>
    public static byte[]? GetAttributes(int fd)
    {
        if (OperatingSystem.IsWindows()) return null;
        var t = new byte[256];
        return tcgetattr(fd, t) == 0 ? t : null;
    }

    /// <summary>Puts <paramref name="fd"/> in raw mode; returns the settings to restore.</summary>
    public static byte[]? EnterRaw(int fd)
    {
        // Windows: the console's input and output modes together (fd is stdin there too).
        if (OperatingSystem.IsWindows()) return WindowsConsole.EnterRaw();
        var saved = GetAttributes(fd);
        if (saved is null) return null;
        var raw = (byte[])saved.Clone();
        cfmakeraw(raw);
        return tcsetattr(fd, TcsaDrain, raw) == 0 ? saved : null;
    }

    public static void Restore(int fd, byte[] saved)
    {
        if (OperatingSystem.IsWindows()) WindowsConsole.Restore(saved);
        else _ = tcsetattr(fd, TcsaDrain, saved);
    }

    /// <summary>(columns, rows, width px, height px) of the terminal on <paramref name="fd"/>, or null.</summary>
    public static (uint Cols, uint Rows, uint Width, uint Height)? WindowSize(int fd)
    {
        if (OperatingSystem.IsWindows()) return WindowsConsole.WindowSize(fd);
        Span<ushort> ws = stackalloc ushort[4];
        nuint request = OperatingSystem.IsMacOS() ? 0x40087468u : 0x5413u;
        if (ioctl(fd, request, ws) != 0) return null;
        return (ws[1], ws[0], ws[2], ws[3]);
    }

    /// <summary>Reads tcflag_t words and c_cc bytes from Linux's struct termios.</summary>
    public static (uint Iflag, uint Oflag, uint Cflag, uint Lflag, byte[] Cc)? LinuxFields(byte[]? termios)
    {
        if (termios is null || !OperatingSystem.IsLinux()) return null;
        return (BinaryPrimitives.ReadUInt32LittleEndian(termios.AsSpan(0)),
                BinaryPrimitives.ReadUInt32LittleEndian(termios.AsSpan(4)),
                BinaryPrimitives.ReadUInt32LittleEndian(termios.AsSpan(8)),
                BinaryPrimitives.ReadUInt32LittleEndian(termios.AsSpan(12)),
                termios.AsSpan(17, 32).ToArray());
    }
}
