using System.Runtime.InteropServices;

namespace Hop.Ssh.Client.Forwarding;

/// <summary>
/// The file of a Unix socket the client listens on, made as ssh's unix_listener makes it for a forward:
/// StreamLocalBindUnlink removes whatever is at the path first (a failure only logged), and StreamLocalBindMask
/// is the umask while the socket is bound, so the file is born with mode 0777 less the mask and is never open wider.
/// </summary>
internal static partial class UnixSocketFile
{
    private const int ENoEnt = 2;
    private static readonly Lock UmaskGate = new();

    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint Umask(uint mask);

    [LibraryImport("libc", EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Unlink(string path);

    /// <summary>Removes <paramref name="path"/>; an error other than "not there" is logged as ssh logs it.</summary>
    public static void RemoveStale(string path, Action<int, string>? log)
    {
        if (OperatingSystem.IsWindows())
        {
            try { File.Delete(path); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { log?.Invoke(0, $"unlink({path}): {e.Message}"); }
            return;
        }
        if (Unlink(path) == 0) return;
        int errno = Marshal.GetLastPInvokeError();
        if (errno != ENoEnt) log?.Invoke(0, $"unlink({path}): {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    /// <summary>
    /// Runs <paramref name="bind"/> with the process umask set to <paramref name="mask"/>, then puts the umask back.
    /// The umask is the process's: other threads' files made meanwhile get it too, so the window is kept to the bind.
    /// </summary>
    public static void BindWithMask(int mask, Action bind)
    {
        if (OperatingSystem.IsWindows())
        {
            bind();
            return;
        }
        lock (UmaskGate)
        {
            uint previous = Umask((uint)mask);
            try
            {
                bind();
            }
            finally
            {
                Umask(previous);
            }
        }
    }
}
