using System.Runtime.InteropServices;
using Hop.Ssh.Connection;

namespace Hop.Cli.Terminal;

/// <summary>
/// Writes to one of our descriptors with write(2). Not through .NET's Console stream, which drops
/// data silently when the reader of a pipe has gone (EPIPE): `hop ssh host yes | head -1` then
/// never ended. Here that is an <see cref="IOException"/>, and the session stops the remote writer.
/// write(2) also keeps the descriptor's shared file offset (`>>` and `2>&1` to one file work).
/// A non-blocking sink (<see cref="For"/>: a pipe or socket on Linux) returns what a full pipe did
/// not take, so a paused reader (`| less`) never holds up the connection's receive loop: the
/// channel's window closes and keepalive replies are still read, as with OpenSSH's client.
/// </summary>
internal sealed partial class DescriptorSink : IChannelDataSink, IDisposable
{
    // Linux's values (x86-64 and arm64 alike); For uses them on Linux only.
    private const int ONonBlock = 0x800;
    private const int OCloExec = 0x80000;
    private const int OWrOnly = 1;
    private const int MsgDontWait = 0x40;

    private readonly int _fd;
    private readonly Kind _kind;

    private enum Kind
    {
        /// <summary>write(2) waits until all is written (a terminal, a file).</summary>
        Blocking,

        /// <summary>A descriptor of our own for the same pipe, opened non-blocking.</summary>
        NonBlockingPipe,

        /// <summary>send(2) with MSG_DONTWAIT on the shared socket.</summary>
        Socket,
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint send(int fd, ReadOnlySpan<byte> buffer, nuint count, int flags);

    private DescriptorSink(int fd, Kind kind)
    {
        _fd = fd;
        _kind = kind;
    }

    /// <summary>
    /// The sink for our descriptor <paramref name="fd"/>. On Linux a pipe is reopened through
    /// /proc/self/fd as a file description of our own, non-blocking (setting O_NONBLOCK on the
    /// shared one would reach the shell and whatever else writes to that pipe), and a socket is
    /// sent to with MSG_DONTWAIT; anything else (a terminal, a file) is written blocking.
    /// </summary>
    public static DescriptorSink For(int fd)
    {
        if (!OperatingSystem.IsLinux()) return new DescriptorSink(fd, Kind.Blocking);
        string path = $"/proc/self/fd/{fd}";
        string? target;
        try
        {
            target = new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            target = null;
        }
        if (target is null) return new DescriptorSink(fd, Kind.Blocking);
        if (target.StartsWith("socket:", StringComparison.Ordinal)) return new DescriptorSink(fd, Kind.Socket);
        if (!target.StartsWith("pipe:", StringComparison.Ordinal)) return new DescriptorSink(fd, Kind.Blocking);
        int own = PosixIo.Open(path, OWrOnly | ONonBlock | OCloExec);
        // No reader left (ENXIO) or no /proc: the blocking sink reports what a write then finds.
        return own >= 0 ? new DescriptorSink(own, Kind.NonBlockingPipe) : new DescriptorSink(fd, Kind.Blocking);
    }

    /// <summary>Closes the descriptor of our own that <see cref="For"/> opened for a pipe (the one it was given stays open).</summary>
    public void Dispose()
    {
        if (_kind == Kind.NonBlockingPipe) PosixIo.Close(_fd);
    }

    /// <summary>Writes what the descriptor takes; a blocking sink waits until all of <paramref name="data"/> is written.</summary>
    public int Write(ReadOnlySpan<byte> data) => WriteCore(data, wait: _kind == Kind.Blocking);

    /// <summary>Writes all of <paramref name="data"/> on a pool thread, waiting while the pipe is full.</summary>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data) => new(Task.Run(() => WriteCore(data.Span, wait: true)));

    private int WriteCore(ReadOnlySpan<byte> data, bool wait)
    {
        int written = 0;
        while (written < data.Length)
        {
            var rest = data[written..];
            nint n = _kind == Kind.Socket
                ? send(_fd, rest, (nuint)rest.Length, MsgDontWait)
                : PosixIo.Write(_fd, rest, (nuint)rest.Length);
            if (n >= 0)
            {
                written += (int)n;
                continue;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == PosixIo.EIntr) continue;
            if (errno == PosixIo.EAgain)
            {
                if (!wait) return written;
                // Full (or a descriptor someone left non-blocking): wait until it takes more.
                PosixIo.Poll(_fd, PosixIo.PollOut, -1);
                continue;
            }
            throw new IOException($"write to descriptor {_fd} failed: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        return written;
    }
}
