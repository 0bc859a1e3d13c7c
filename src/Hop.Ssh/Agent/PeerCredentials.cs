using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Hop.Ssh.Agent;

/// <summary>
/// The user id of the process at the other end of a Unix domain socket: SO_PEERCRED on Linux
/// (through the BCL's getsockopt, <see cref="Socket.GetRawSocketOption"/>), getpeereid on macOS
/// and the BSDs.
/// </summary>
internal static partial class PeerCredentials
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    /// <summary>The peer's effective uid and (Linux only) pid, or null when it cannot be learnt.</summary>
    public static (uint Uid, int? Pid)? Get(Socket socket)
    {
        if (OperatingSystem.IsLinux())
        {
            // struct ucred { pid_t pid; uid_t uid; gid_t gid; }, native byte order.
            Span<byte> ucred = stackalloc byte[12];
            int n = socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred);
            if (n < 12) return null;
            int pid = BinaryPrimitives.ReadInt32LittleEndian(ucred);
            uint uid = BinaryPrimitives.ReadUInt32LittleEndian(ucred[4..]);
            if (!BitConverter.IsLittleEndian)
            {
                pid = BinaryPrimitives.ReverseEndianness(pid);
                uid = BinaryPrimitives.ReverseEndianness(uid);
            }
            return (uid, pid);
        }
        if (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
        {
            return GetPeerEid(socket.SafeHandle.DangerousGetHandle(), out uint uid, out _) == 0 ? (uid, null) : null;
        }
        return null;
    }

    /// <summary>This process's real uid (ssh-agent compares the peer with getuid()).</summary>
    public static uint CurrentUid => OperatingSystem.IsWindows() ? 0 : GetUid();

    [LibraryImport("libc", EntryPoint = "getpeereid", SetLastError = true)]
    private static partial int GetPeerEid(nint socket, out uint uid, out uint gid);

    [LibraryImport("libc", EntryPoint = "getuid")]
    private static partial uint GetUid();

    [LibraryImport("libc", EntryPoint = "umask")]
    internal static partial uint Umask(uint mask);
}
