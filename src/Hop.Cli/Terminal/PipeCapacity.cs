using System.Runtime.InteropServices;

namespace Hop.Cli.Terminal;

/// <summary>
/// Grows the kernel buffer of a pipe we read (Linux F_SETPIPE_SZ). A pipe holds 64 KiB by default: a
/// bulk upload from `producer | hop ssh host 'cat > f'` then drains it in two 32 KiB packets, sleeps
/// until the producer refills it, and the producer sleeps while we send; with 1 MiB both keep running.
/// </summary>
internal static partial class PipeCapacity
{
    private const int FSetPipeSize = 1031; // F_LINUX_SPECIFIC_BASE + 7
    private const int FGetPipeSize = 1032;

    /// <summary>The buffer we ask for: the default /proc/sys/fs/pipe-max-size, which needs no privilege.</summary>
    public const int Wanted = 1024 * 1024;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int cmd, int arg);

    /// <summary>The pipe's capacity after trying to raise it to <see cref="Wanted"/>; 0 if <paramref name="fd"/> is not a pipe (or not Linux).</summary>
    public static int Grow(int fd)
    {
        if (!OperatingSystem.IsLinux()) return 0;
        int current = fcntl(fd, FGetPipeSize, 0);
        if (current <= 0) return 0;
        if (current >= Wanted) return current;
        int grown = fcntl(fd, FSetPipeSize, Wanted);
        return grown > 0 ? grown : current;
    }
}
