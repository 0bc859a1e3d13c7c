using System.Runtime.InteropServices;

namespace Hop.Cli.Terminal;

/// <summary>
/// Our stdout or stderr for Console.Out and Console.Error on Unix: plain write(2) calls on the
/// descriptor. .NET's own console streams initialise the terminal on their first write (keypad-transmit
/// mode, ESC[?1h ESC=, on whichever of stdin, stdout and stderr is a terminal) and never put it back.
/// As theirs, a write to a pipe whose reader has gone (EPIPE) is dropped, and write(2) keeps the
/// descriptor's shared file offset (`>>`, `2>&1`).
/// </summary>
internal sealed partial class StandardStream(int fd) : Stream
{
    private const int EIntr = 4;
    private const int EPipe = 32;
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

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            nint n = write(fd, buffer, (nuint)buffer.Length);
            if (n >= 0)
            {
                buffer = buffer[(int)n..];
                continue;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EIntr) continue;
            if (errno == EPipe) return;
            if (errno == EAgain)
            {
                // A descriptor someone left non-blocking: wait until it takes more.
                var p = new PollFd { Fd = fd, Events = PollOut };
                poll(ref p, 1, -1);
                continue;
            }
            throw new IOException($"write to descriptor {fd} failed: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
