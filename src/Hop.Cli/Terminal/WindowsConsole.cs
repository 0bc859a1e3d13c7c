using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Hop.Cli.Terminal;

/// <summary>
/// Raw VT mode of the Windows console (kernel32 through P/Invoke): GetConsoleMode/SetConsoleMode
/// on the input and output handles with the bits of <see cref="WindowsConsoleModes"/>, UTF-8 code
/// pages while raw, and the window size from GetConsoleScreenBufferInfo. The saved state is eight
/// uint values in a byte array (the same shape RawTerminal keeps for termios), restored whole.
/// </summary>
[SupportedOSPlatform("windows")]
internal static partial class WindowsConsole
{
    private const int StdInputHandle = -10;
    private const int StdOutputHandle = -11;
    private const int StdErrorHandle = -12;
    private const uint Utf8CodePage = 65001;

    [StructLayout(LayoutKind.Sequential)]
    private struct ScreenBufferInfo
    {
        public short SizeX, SizeY;
        public short CursorX, CursorY;
        public ushort Attributes;
        public short Left, Top, Right, Bottom;
        public short MaxX, MaxY;
    }

    [LibraryImport("kernel32.dll", SetLastError = true)]
    private static partial nint GetStdHandle(int which);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool GetConsoleMode(nint handle, out uint mode);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool SetConsoleMode(nint handle, uint mode);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool GetConsoleScreenBufferInfo(nint handle, out ScreenBufferInfo info);

    [LibraryImport("kernel32.dll")]
    private static partial uint GetConsoleCP();

    [LibraryImport("kernel32.dll")]
    private static partial uint GetConsoleOutputCP();

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool SetConsoleCP(uint codePage);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool SetConsoleOutputCP(uint codePage);

    private static nint Handle(int fd) => GetStdHandle(fd switch { 0 => StdInputHandle, 1 => StdOutputHandle, _ => StdErrorHandle });

    /// <summary>True when <paramref name="fd"/> (0, 1, 2) is a console, not a pipe or file.</summary>
    public static bool IsConsole(int fd) => GetConsoleMode(Handle(fd), out _);

    /// <summary>
    /// The byte stream of <paramref name="fd"/> when it is a console, or null. Console's standard
    /// streams are already raw ReadFile/WriteFile on the handle (no encoding, no line editing of
    /// their own); with the UTF-8 code pages set by <see cref="EnterRaw"/> they carry UTF-8.
    /// </summary>
    public static Stream? OpenStream(int fd)
    {
        if (!GetConsoleMode(Handle(fd), out _)) return null;
        return fd switch { 0 => Console.OpenStandardInput(), 1 => Console.OpenStandardOutput(), _ => Console.OpenStandardError() };
    }

    /// <summary>Puts the console in raw VT mode; returns the state to restore, or null when stdin is not a console.</summary>
    public static byte[]? EnterRaw()
    {
        nint input = Handle(0), output = Handle(1);
        if (!GetConsoleMode(input, out uint inMode)) return null;
        bool hasOutput = GetConsoleMode(output, out uint outMode);
        var saved = new byte[16];
        Save(saved, inMode, hasOutput ? outMode : uint.MaxValue, GetConsoleCP(), GetConsoleOutputCP());
        if (!SetConsoleMode(input, WindowsConsoleModes.RawInput(inMode))) return null;
        if (hasOutput) _ = SetConsoleMode(output, WindowsConsoleModes.RawOutput(outMode));
        _ = SetConsoleCP(Utf8CodePage);
        _ = SetConsoleOutputCP(Utf8CodePage);
        return saved;
    }

    /// <summary>Puts back the modes and code pages saved by <see cref="EnterRaw"/>.</summary>
    public static void Restore(byte[] saved)
    {
        if (saved.Length < 16) return;
        var (inMode, outMode, inCp, outCp) = Load(saved);
        _ = SetConsoleMode(Handle(0), inMode);
        if (outMode != uint.MaxValue) _ = SetConsoleMode(Handle(1), outMode);
        _ = SetConsoleCP(inCp);
        _ = SetConsoleOutputCP(outCp);
    }

    /// <summary>(columns, rows, 0, 0) of the console window on <paramref name="fd"/>, or null.</summary>
    public static (uint Cols, uint Rows, uint Width, uint Height)? WindowSize(int fd)
    {
        if (!GetConsoleScreenBufferInfo(Handle(fd), out var info)) return null;
        var (cols, rows) = WindowsConsoleModes.WindowSize(info.Left, info.Top, info.Right, info.Bottom);
        return (cols, rows, 0, 0);
    }

    private static void Save(byte[] b, uint inMode, uint outMode, uint inCp, uint outCp)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(0), inMode);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), outMode);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), inCp);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(12), outCp);
    }

    private static (uint, uint, uint, uint) Load(byte[] b) => (
        System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(0)),
        System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(4)),
        System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(8)),
        System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(12)));
}
