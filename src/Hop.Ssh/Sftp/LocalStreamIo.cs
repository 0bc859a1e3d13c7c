namespace Hop.Ssh.Sftp;

/// <summary>
/// Reads and writes of the local side of a transfer. A <see cref="FileStream"/> opened for
/// synchronous I/O does its ReadAsync and WriteAsync by queuing the call to the thread pool and
/// waking a worker for it: per chunk, a thread hand-off that costs more CPU than the copy itself
/// (a page-cache read of 255 KiB). Such a stream is read and written in place instead; the same
/// thread would block on it anyway. Every other stream is awaited as usual.
/// </summary>
internal static class LocalStreamIo
{
    public static ValueTask<int> ReadAsync(Stream source, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (source is not FileStream { IsAsync: false } file) return source.ReadAsync(buffer, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(file.Read(buffer.Span));
    }

    public static ValueTask WriteAsync(Stream destination, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (destination is not FileStream { IsAsync: false } file) return destination.WriteAsync(data, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        file.Write(data.Span);
        return ValueTask.CompletedTask;
    }
}
