using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Hop.Ssh.Mux;

/// <summary>
/// Passes a file descriptor over a Unix domain socket (sendmsg with SCM_RIGHTS), one descriptor per
/// one-byte message, as OpenSSH's mm_send_fd does for the control socket's stdio. The structures are
/// laid out by hand for Linux and macOS (64-bit), whose msghdr and cmsghdr differ in field sizes.
/// Descriptors received are close-on-exec (MSG_CMSG_CLOEXEC on Linux).
/// </summary>
internal static partial class DescriptorPassing
{
    private const int ScmRights = 1;

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint sendmsg(nint socket, byte* message, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint recvmsg(nint socket, byte* message, int flags);

    private static int SolSocket => OperatingSystem.IsLinux() ? 1 : 0xffff;

    /// <summary>Sends <paramref name="fd"/> to the peer of the blocking socket <paramref name="socket"/>; throws <see cref="IOException"/> when the kernel refuses.</summary>
    public static unsafe void Send(int socket, int fd)
    {
        bool linux = IsLinuxElseMacOS();
        byte data = 0;
        long* iov = stackalloc long[2];
        FillOneByteVector(iov, &data);
        // struct cmsghdr: cmsg_len is a size_t on Linux (data at 16), a socklen_t on macOS (data at 12).
        int controlLength = linux ? 24 : 16;
        byte* control = stackalloc byte[controlLength];
        new Span<byte>(control, controlLength).Clear();
        if (linux)
        {
            *(ulong*)control = 20; // CMSG_LEN(sizeof(int))
            *(int*)(control + 8) = SolSocket;
            *(int*)(control + 12) = ScmRights;
            *(int*)(control + 16) = fd;
        }
        else
        {
            *(uint*)control = 16;
            *(int*)(control + 4) = SolSocket;
            *(int*)(control + 8) = ScmRights;
            *(int*)(control + 12) = fd;
        }
        byte* message = stackalloc byte[MessageHeaderSize];
        FillMessageHeader(message, iov, control, controlLength, linux);
        while (true)
        {
            nint sent = sendmsg(socket, message, 0);
            if (sent == 1) return;
            int errno = Marshal.GetLastPInvokeError();
            if (sent < 0 && errno == 4) continue; // EINTR
            throw new IOException($"passing descriptor {fd} over the control socket failed: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    /// <summary>
    /// Receives one descriptor sent as <see cref="Send"/> sends it; throws <see cref="IOException"/> when
    /// the peer closed, sent no descriptor, or the kernel refused. Blocks the calling thread.
    /// </summary>
    public static unsafe int Receive(Socket socket)
    {
        bool linux = IsLinuxElseMacOS();
        byte data = 0;
        long* iov = stackalloc long[2];
        FillOneByteVector(iov, &data);
        const int controlSpace = 64; // room for one cmsghdr with a descriptor, and then some
        byte* control = stackalloc byte[controlSpace];
        new Span<byte>(control, controlSpace).Clear();
        byte* message = stackalloc byte[MessageHeaderSize];
        FillMessageHeader(message, iov, control, controlSpace, linux);
        int flags = linux ? 0x40000000 : 0; // MSG_CMSG_CLOEXEC
        nint got;
        while (true)
        {
            socket.Poll(-1, SelectMode.SelectRead);
            got = recvmsg(socket.SafeHandle.DangerousGetHandle(), message, flags);
            if (got >= 0) break;
            int errno = Marshal.GetLastPInvokeError();
            if (errno == 4 || errno == (linux ? 11 : 35)) continue; // EINTR, EAGAIN
            throw new IOException($"receiving a descriptor over the control socket failed: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        if (got == 0) throw new IOException("the control socket closed before its descriptors came");
        ulong length = linux ? *(ulong*)control : *(uint*)control;
        int headerLength = linux ? 16 : 12;
        int level = *(int*)(control + (linux ? 8 : 4));
        int type = *(int*)(control + (linux ? 12 : 8));
        if (length < (ulong)(headerLength + 4) || level != SolSocket || type != ScmRights)
            throw new IOException("the control socket's message carried no descriptor");
        return *(int*)(control + headerLength);
    }

    /// <summary>True on Linux, false on macOS; the layouts here are those two's, 64-bit.</summary>
    private static bool IsLinuxElseMacOS()
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) || IntPtr.Size != 8)
            throw new PlatformNotSupportedException("passing descriptors over a control socket needs 64-bit Linux or macOS");
        return OperatingSystem.IsLinux();
    }

    /// <summary>struct iovec { void *iov_base; size_t iov_len; } over the one byte each message carries.</summary>
    private static unsafe void FillOneByteVector(long* iov, byte* data)
    {
        iov[0] = (long)data;
        iov[1] = 1;
    }

    /// <summary>The larger of Linux's and macOS's struct msghdr (64-bit).</summary>
    private const int MessageHeaderSize = 56;

    /// <summary>
    /// struct msghdr for one iovec and a control buffer: name, namelen, iov, iovlen (size_t on Linux,
    /// int on macOS), control, controllen (size_t on Linux, socklen_t on macOS), flags.
    /// </summary>
    private static unsafe void FillMessageHeader(byte* message, long* iov, byte* control, int controlLength, bool linux)
    {
        new Span<byte>(message, MessageHeaderSize).Clear();
        *(long*)(message + 16) = (long)iov;
        if (linux) *(ulong*)(message + 24) = 1;
        else *(int*)(message + 24) = 1;
        *(long*)(message + 32) = (long)control;
        if (linux) *(ulong*)(message + 40) = (ulong)controlLength;
        else *(uint*)(message + 40) = (uint)controlLength;
    }
}
