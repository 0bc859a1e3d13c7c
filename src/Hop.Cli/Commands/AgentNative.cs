using System.Runtime.InteropServices;

namespace Hop.Cli.Commands;

/// <summary>The few libc calls `hop agent` needs to daemonize and signal, as ssh-agent makes them.</summary>
internal static partial class AgentNative
{
    public const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "setsid", SetLastError = true)]
    public static partial int SetSid();

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    public static partial int Dup2(int oldFd, int newFd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "close_range", SetLastError = true)]
    private static partial int CloseRange(uint first, uint last, int flags);

    /// <summary>
    /// Marks every descriptor above stderr close-on-exec, so that a background agent does not keep
    /// pipes it inherited open (a caller reading our output to its end would wait for the agent).
    /// </summary>
    public static void CloseOnExecAboveStdio()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            CloseRange(3, uint.MaxValue, 4 /* CLOSE_RANGE_CLOEXEC */);
        }
        catch (EntryPointNotFoundException)
        {
        }
    }

    /// <summary>True while a process with this pid exists (kill(pid, 0)).</summary>
    public static bool IsAlive(int pid) => Kill(pid, 0) == 0 || Marshal.GetLastPInvokeError() == 1 /* EPERM */;

    /// <summary>Points stdin, stdout and stderr at /dev/null, as a daemon does.</summary>
    public static void DetachStdio()
    {
        int fd = Open("/dev/null", 2 /* O_RDWR */);
        if (fd < 0) return;
        Dup2(fd, 0);
        Dup2(fd, 1);
        Dup2(fd, 2);
        if (fd > 2) Close(fd);
    }

    public static string ErrorText(int errno) => errno switch
    {
        1 => "Operation not permitted",
        3 => "No such process",
        _ => Marshal.GetPInvokeErrorMessage(errno),
    };
}
