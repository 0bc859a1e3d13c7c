using System.Buffers;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Sftp;

/// <summary>
/// Pipelined whole-file transfers. A download keeps many READs in flight and writes their data to
/// the destination in order; an upload (SftpClient.Upload.cs) keeps many WRITEs in flight and checks
/// every status. A large one runs on a thread of its own (<see cref="SftpTransferWaits"/>).
/// </summary>
public sealed partial class SftpClient
{
    /// <summary>
    /// Downloads <paramref name="remotePath"/> into <paramref name="destination"/>; returns the byte count.
    /// STAT and OPEN go out together; a regular file's size bounds the READs, other files are read to EOF.
    /// </summary>
    public async Task<long> DownloadAsync(string remotePath, Stream destination, Action<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var stat = StatAsync(remotePath, cancellationToken);
        var open = OpenFileAsync(remotePath, SftpOpenFlags.Read, null, cancellationToken);
        SftpAttributes? attributes = null;
        try
        {
            attributes = await stat.ConfigureAwait(false);
        }
        catch (SftpException)
        {
            // OPEN's answer says more (and the same); the size is only a hint.
        }
        var handle = await open.ConfigureAwait(false);
        long? size = attributes is { IsRegularFile: true, Size: { } s } && s <= long.MaxValue ? (long)s : null;
        return await ReadAndCloseAsync(handle, size, destination, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Downloads a file whose attributes are known already (from a listing): OPEN and READs only, bounded by the size for a regular file.</summary>
    public async Task<long> DownloadAsync(string remotePath, SftpAttributes attributes, Stream destination, Action<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        ArgumentNullException.ThrowIfNull(destination);
        var handle = await OpenFileAsync(remotePath, SftpOpenFlags.Read, null, cancellationToken).ConfigureAwait(false);
        long? size = attributes is { IsRegularFile: true, Size: { } s } && s <= long.MaxValue ? (long)s : null;
        return await ReadAndCloseAsync(handle, size, destination, progress, cancellationToken).ConfigureAwait(false);
    }

    private async Task<long> ReadAndCloseAsync(byte[] handle, long? size, Stream destination, Action<long>? progress, CancellationToken cancellationToken)
    {
        long total;
        try
        {
            total = await SftpTransferWaits.RunAsync(waits => ReadFileAsync(handle, size, destination, progress, waits, cancellationToken),
                size >= OwnThreadTransferMinimum, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await CloseQuietlyAsync(handle).ConfigureAwait(false);
            throw;
        }
        await CloseHandleAsync(handle, cancellationToken).ConfigureAwait(false);
        return total;
    }

    /// <summary>
    /// Uploads <paramref name="source"/> to <paramref name="remotePath"/> (created or truncated, with
    /// <paramref name="createAttributes"/> such as the permissions); <paramref name="finalAttributes"/>
    /// (times, mode for -p) are set with FSETSTAT before CLOSE. Returns the byte count.
    /// </summary>
    public async Task<long> UploadAsync(Stream source, string remotePath, SftpAttributes? createAttributes = null, SftpAttributes? finalAttributes = null,
        Action<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var handle = await OpenFileAsync(remotePath, SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Truncate, createAttributes, cancellationToken).ConfigureAwait(false);
        return await UploadToHandleAsync(source, handle, finalAttributes, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes <paramref name="source"/> into an open file from offset 0, sets <paramref name="finalAttributes"/>, and closes the handle (on failure too).</summary>
    public async Task<long> UploadToHandleAsync(Stream source, byte[] handle, SftpAttributes? finalAttributes = null, Action<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(handle);
        long total;
        try
        {
            total = await WriteFileAsync(handle, source, progress, cancellationToken).ConfigureAwait(false);
            if (finalAttributes is not null) await FSetStatAsync(handle, finalAttributes, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await CloseQuietlyAsync(handle).ConfigureAwait(false);
            throw;
        }
        await CloseHandleAsync(handle, cancellationToken).ConfigureAwait(false);
        return total;
    }

    private async Task CloseQuietlyAsync(byte[] handle)
    {
        try
        {
            await CloseHandleAsync(handle, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or TimeoutException)
        {
            // The first error is the one to report.
        }
    }

    /// <summary>Queues an SSH_FXP_READ into <paramref name="frames"/> (sent by the caller) and registers its reply.</summary>
    private SftpPendingRead QueueRead(byte[] handle, long offset, byte[] buffer, int length, SftpFrameBuffer frames, SftpTransferWaits waits)
    {
        uint id = NextId();
        var read = new SftpPendingRead(buffer, length) { Offset = offset, Answered = waits.Answered };
        new SftpReadRequest(id, handle, (ulong)offset, (uint)length).Write(frames.Begin());
        frames.End();
        Register(id, read);
        return read;
    }

    private SftpPendingRead StartRead(byte[] handle, long offset, byte[] buffer, int length, SftpTransferWaits waits, out SftpFrameBuffer frame)
    {
        frame = new SftpFrameBuffer(64);
        return QueueRead(handle, offset, buffer, length, frame, waits);
    }

    /// <summary>
    /// Reads the open file from offset 0 with up to <see cref="MaxOutstandingRequests"/> READs in
    /// flight. Without a known size the window starts at 2 and grows by one per full reply (so a
    /// small file costs one round trip, not 64 requests).
    /// </summary>
    private async Task<long> ReadFileAsync(byte[] handle, long? size, Stream destination, Action<long>? progress, SftpTransferWaits waits, CancellationToken cancellationToken)
    {
        int chunk = ReadChunkSize;
        int max = Math.Max(1, MaxOutstandingRequests);
        int window = size is null ? Math.Min(2, max) : max;
        var queue = new Queue<SftpPendingRead>();
        using var frames = new SftpFrameBuffer(64 * 48);
        long next = 0, total = 0;
        bool eof = false;
        try
        {
            while (true)
            {
                frames.Clear();
                // With a known size the reads stop at it, plus one probe at the end itself (sent in
                // the same batch, so no extra round trip): EOF there confirms the size; data means
                // the file grew, and the reads go on to the real end.
                while (!eof && queue.Count < window && (size is null || next <= size))
                {
                    int length = size is long s && next < s ? (int)Math.Min(chunk, s - next) : chunk;
                    queue.Enqueue(QueueRead(handle, next, ArrayPool<byte>.Shared.Rent(chunk), length, frames, waits));
                    next += length;
                }
                if (frames.Length > 0) await waits.SendAsync(this, frames.Written, cancellationToken).ConfigureAwait(false);
                if (!queue.TryPeek(out var head)) break;
                int n = await waits.ReplyAsync(head.Task, cancellationToken).ConfigureAwait(false);
                queue.Dequeue();
                if (eof || n == 0)
                {
                    // Past the end: what is still in flight is drained and dropped.
                    eof = true;
                    ArrayPool<byte>.Shared.Return(head.Buffer);
                    continue;
                }
                await waits.WriteAsync(destination, head.Buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                total += n;
                progress?.Invoke(n);
                if (n < head.Requested)
                {
                    long end = head.Offset + n;
                    if (size is long known && end >= known) eof = true;
                    else
                    {
                        // A short read before the end: fetch the hole before anything after it.
                        long filled = await FillHoleAsync(handle, end, head.Requested - n, head.Buffer, destination, progress, waits, cancellationToken).ConfigureAwait(false);
                        total += filled;
                        if (filled < head.Requested - n) eof = true;
                    }
                }
                else
                {
                    if (size is long grown && head.Offset >= grown) size = null;
                    if (window < max) window++;
                }
                ArrayPool<byte>.Shared.Return(head.Buffer);
            }
        }
        catch
        {
            // Replies may still land in the buffers of requests in flight: leave those to the GC.
            queue.Clear();
            throw;
        }
        return total;
    }

    private async Task<long> FillHoleAsync(byte[] handle, long offset, int length, byte[] buffer, Stream destination, Action<long>? progress, SftpTransferWaits waits, CancellationToken cancellationToken)
    {
        long done = 0;
        while (done < length)
        {
            var read = StartRead(handle, offset + done, buffer, (int)(length - done), waits, out var frame);
            using (frame) await waits.SendAsync(this, frame.Written, cancellationToken).ConfigureAwait(false);
            int n = await waits.ReplyAsync(read.Task, cancellationToken).ConfigureAwait(false);
            if (n == 0) break;
            await waits.WriteAsync(destination, buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            progress?.Invoke(n);
            done += n;
        }
        return done;
    }
}
