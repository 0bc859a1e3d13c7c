using System.Runtime.InteropServices;
using Hop.Ssh;

namespace Hop.Cli.Terminal;

/// <summary>
/// Our stdin, stdout or stderr on Unix: plain read(2) and write(2) calls on the descriptor. .NET's
/// own console streams initialise the terminal on their first use (keypad-transmit mode, ESC[?1h
/// ESC=, on whichever of stdin, stdout and stderr is a terminal) and never put it back. As theirs, a
/// write to a pipe whose reader has gone (EPIPE) is dropped, and the descriptor's shared file offset
/// is kept (`>>`, `2>&1`, a script reading the rest of a file after us).
/// </summary>
internal sealed class StandardStream : UnseekableStream
{
    private readonly int _fd;

    private StandardStream(int fd) => _fd = fd;

    /// <summary>Descriptor <paramref name="fd"/> (0, 1 or 2) as a stream: ours on Unix, Console's on Windows.</summary>
    public static Stream Open(int fd) =>
        !OperatingSystem.IsWindows() ? new StandardStream(fd)
        : fd switch { 0 => Console.OpenStandardInput(), 1 => Console.OpenStandardOutput(), _ => Console.OpenStandardError() };

    public override bool CanRead => _fd == 0;
    public override bool CanWrite => _fd != 0;

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            nint n = PosixIo.Write(_fd, buffer, (nuint)buffer.Length);
            if (n >= 0)
            {
                buffer = buffer[(int)n..];
                continue;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == PosixIo.EIntr) continue;
            if (errno == PosixIo.EPipe) return;
            if (errno == PosixIo.EAgain)
            {
                // A descriptor someone left non-blocking: wait until it takes more.
                PosixIo.Poll(_fd, PosixIo.PollOut, -1);
                continue;
            }
            throw new IOException($"write to descriptor {_fd} failed: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    // Writes as .NET's console streams: the async forms write at once, on the calling thread. Reads that
    // wait keep Stream's async form (a pool thread), so that a caller's other work goes on meanwhile.
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
        try
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }
        catch (IOException e)
        {
            return ValueTask.FromException(e);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty) return 0;
        while (true)
        {
            nint n = PosixIo.Read(_fd, buffer, (nuint)buffer.Length);
            if (n >= 0) return (int)n;
            int errno = Marshal.GetLastPInvokeError();
            if (errno == PosixIo.EIntr) continue;
            if (errno == PosixIo.EAgain)
            {
                PosixIo.Poll(_fd, PosixIo.PollIn, -1);
                continue;
            }
            throw new IOException($"read from descriptor {_fd} failed: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }
}
