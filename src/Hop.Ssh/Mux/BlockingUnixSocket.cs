using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Hop.Ssh.Mux;

/// <summary>
/// A Unix stream socket connected to a path and used with blocking libc calls only. The mux client
/// needs no more; .NET's <see cref="Socket"/> starts its async engine's threads (one per core here)
/// as soon as one is made, however it is used: about half a millisecond of a short `hop ssh -S` run.
/// Linux and macOS (64-bit).
/// </summary>
internal sealed partial class BlockingUnixSocket : UnseekableStream
{
    private const int AfUnix = 1;
    private const int SockStream = 1;
    private const int Eintr = 4;
    private int _fd;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int connect(int fd, byte* address, int length);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int shutdown(int fd, int how);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int command, int argument);

    private BlockingUnixSocket(int fd) => _fd = fd;

    /// <summary>The descriptor, for sendmsg; -1 once disposed.</summary>
    public int Descriptor => Volatile.Read(ref _fd);

    /// <summary>
    /// Connects to the socket at <paramref name="path"/>. A <see cref="SocketException"/> names what
    /// failed: ConnectionRefused for a socket nobody listens on, AddressNotAvailable for no such file;
    /// a path that does not fit in a sockaddr_un is an <see cref="SshException"/>, in ssh's words.
    /// </summary>
    public static unsafe BlockingUnixSocket Connect(string path)
    {
        bool linux = OperatingSystem.IsLinux();
        if (!(linux || OperatingSystem.IsMacOS()) || IntPtr.Size != 8)
            throw new PlatformNotSupportedException("control sockets need 64-bit Linux or macOS");
        // struct sockaddr_un: Linux sa_family_t (2 bytes) + sun_path[108]; macOS sun_len, sun_family + sun_path[104].
        int pathRoom = linux ? 108 : 104;
        byte[] name = Encoding.UTF8.GetBytes(path);
        if (name.Length >= pathRoom) throw new SshException($"ControlPath too long ('{path}' >= {pathRoom} bytes)");
        if (name.Contains((byte)0)) throw new SshException($"ControlPath holds a NUL byte: '{path}'");
        byte* address = stackalloc byte[2 + pathRoom];
        new Span<byte>(address, 2 + pathRoom).Clear();
        if (linux) *(ushort*)address = AfUnix;
        else
        {
            address[0] = (byte)(2 + name.Length + 1);
            address[1] = AfUnix;
        }
        name.CopyTo(new Span<byte>(address + 2, pathRoom));
        int fd = socket(AfUnix, SockStream | (linux ? 0x80000 : 0), 0); // SOCK_CLOEXEC on Linux
        if (fd < 0) throw Failure("socket");
        if (!linux) fcntl(fd, 2, 1); // F_SETFD FD_CLOEXEC
        while (connect(fd, address, 2 + name.Length + 1) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Eintr) continue;
            close(fd);
            throw Failure(errno, linux);
        }
        return new BlockingUnixSocket(fd);
    }

    /// <summary>
    /// The socket as a .NET <see cref="NetworkStream"/> with async reads and writes (a proxy-mode
    /// connection needs them); this object gives up the descriptor and is disposed.
    /// </summary>
    public NetworkStream DetachToNetworkStream()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        ObjectDisposedException.ThrowIf(fd < 0, this);
        Dispose();
        var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        return new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Shuts both directions down: a read blocked on another thread returns end of stream.</summary>
    public void Shutdown()
    {
        int fd = Descriptor;
        if (fd >= 0) shutdown(fd, 2); // SHUT_RDWR
    }

    public override unsafe int Read(Span<byte> buffer)
    {
        int fd = Open();
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint got = read(fd, p, buffer.Length);
                if (got >= 0) return (int)got;
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Eintr) throw new IOException($"reading the control socket: {Marshal.GetPInvokeErrorMessage(errno)}");
            }
        }
    }

    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        int fd = Open();
        fixed (byte* p = buffer)
        {
            int done = 0;
            while (done < buffer.Length)
            {
                nint sent = write(fd, p + done, buffer.Length - done);
                if (sent >= 0)
                {
                    done += (int)sent;
                    continue;
                }
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Eintr) throw new IOException($"writing the control socket: {Marshal.GetPInvokeErrorMessage(errno)}");
            }
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override void Flush() { }

    protected override void Dispose(bool disposing)
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) close(fd);
        base.Dispose(disposing);
    }

    private int Open()
    {
        int fd = Descriptor;
        ObjectDisposedException.ThrowIf(fd < 0, this);
        return fd;
    }

    private static SocketException Failure(string call)
    {
        int errno = Marshal.GetLastPInvokeError();
        return new SocketException((int)SocketError.SocketError, $"{call}: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    private static SocketException Failure(int errno, bool linux)
    {
        var code = errno switch
        {
            2 => SocketError.AddressNotAvailable, // ENOENT
            13 or 1 => SocketError.AccessDenied, // EACCES, EPERM
            111 when linux => SocketError.ConnectionRefused,
            61 when !linux => SocketError.ConnectionRefused,
            _ => SocketError.SocketError,
        };
        return new SocketException((int)code, Marshal.GetPInvokeErrorMessage(errno));
    }
}
