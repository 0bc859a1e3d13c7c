using System.Runtime.InteropServices;

namespace Hop.Cli.Terminal;

/// <summary>The libc calls on plain descriptors that the CLI makes itself (Unix only), with the errno values it tells apart.</summary>
internal static partial class PosixIo
{
    public const int EIntr = 4;
    public const int EPipe = 32;
    public static readonly int EAgain = OperatingSystem.IsLinux() ? 11 : 35;

    public const short PollIn = 1;
    public const short PollOut = 4;

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, ReadOnlySpan<byte> buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, Span<byte> buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int poll(ref PollFd fds, nuint count, int timeout);

    /// <summary>Waits up to <paramref name="timeoutMilliseconds"/> (-1: for ever) for <paramref name="events"/> on <paramref name="fd"/>; poll(2)'s result.</summary>
    public static int Poll(int fd, short events, int timeoutMilliseconds)
    {
        var p = new PollFd { Fd = fd, Events = events };
        return poll(ref p, 1, timeoutMilliseconds);
    }
}
