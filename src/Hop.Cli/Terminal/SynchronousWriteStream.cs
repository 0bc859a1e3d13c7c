using Hop.Ssh;

namespace Hop.Cli.Terminal;

/// <summary>
/// Our stdout or stderr for a session's output, or a file an sftp download writes: WriteAsync
/// writes at once on the calling thread. The channel's reader runs on the connection's receive
/// thread, so each write goes straight to write(2) there; Console's and FileStream's WriteAsync
/// would hand every write to a thread-pool thread and back, two context switches per write and
/// most of the client's CPU in a bulk download. A slow reader of our stdout holds back the receive
/// thread, as the channel window would hold back the server anyway. (A download's file writes run
/// on the task that awaits the READ replies, not on the receive thread.)
/// </summary>
internal sealed class SynchronousWriteStream(Stream inner) : UnseekableStream
{
    public override bool CanRead => false;
    public override bool CanWrite => true;

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
        try
        {
            inner.Write(buffer.Span);
            return ValueTask.CompletedTask;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            return ValueTask.FromException(e);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        inner.Flush();
        return Task.CompletedTask;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
