using System.Runtime.InteropServices;
using Hop.Ssh.Connection;

namespace Hop.Cli.Terminal;

/// <summary>
/// Writes to one of our descriptors with write(2). Not through .NET's Console stream, which drops
/// data silently when the reader of a pipe has gone (EPIPE): `hop ssh host yes | head -1` then
/// never ended. Here that is an <see cref="IOException"/>, and the session stops the remote writer.
/// write(2) also keeps the descriptor's shared file offset (`>>` and `2>&1` to one file work).
/// </summary>
internal sealed partial class DescriptorSink(int fd) : IChannelDataSink
{
    private const int EIntr = 4;
    private const short PollOut = 4;
    private static readonly int EAgain = OperatingSystem.IsLinux() ? 11 : 35;

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, ReadOnlySpan<byte> buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int poll(ref PollFd fds, nuint count, int timeout);

    /// <summary>Writes all of <paramref name="data"/>, waiting while the descriptor is full (stdout is ours alone to wait on).</summary>
    public int Write(ReadOnlySpan<byte> data)
    {
        int length = data.Length;
        while (!data.IsEmpty)
        {
            nint n = write(fd, data, (nuint)data.Length);
            if (n >= 0)
            {
                data = data[(int)n..];
                continue;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EIntr) continue;
            if (errno == EAgain)
            {
                // A descriptor someone left non-blocking: wait until it takes more.
                var p = new PollFd { Fd = fd, Events = PollOut };
                poll(ref p, 1, -1);
                continue;
            }
            throw new IOException($"write to descriptor {fd} failed: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        return length;
    }

    /// <summary>Not called: <see cref="Write"/> never leaves anything.</summary>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data)
    {
        Write(data.Span);
        return ValueTask.CompletedTask;
    }
}
