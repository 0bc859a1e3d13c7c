using System.Buffers;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Sftp;

/// <summary>The WRITE loop of an upload: awaited for a small or unsized source, on a thread of its own for a large one.</summary>
public sealed partial class SftpClient
{
    /// <summary>
    /// A source with at least this much left (and a known length) is uploaded on a thread of its
    /// own (see <see cref="SftpWritesInFlight"/>); a smaller one is a few round trips, not worth a thread.
    /// </summary>
    internal const long OwnThreadUploadMinimum = 4 * 1024 * 1024;

    /// <summary>
    /// Writes <paramref name="source"/> from offset 0 with up to <see cref="MaxOutstandingRequests"/>
    /// WRITEs in flight. Each chunk is read straight into its packet after the header: one copy.
    /// </summary>
    private Task<long> WriteFileAsync(byte[] handle, Stream source, Action<long>? progress, CancellationToken cancellationToken)
    {
        if (!IsLarge(source)) return WriteFileAwaitingAsync(handle, source, progress, cancellationToken);
        return Task.Factory.StartNew(() => WriteFileBlocking(handle, source, progress, cancellationToken),
            cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private static bool IsLarge(Stream source)
    {
        try
        {
            return source.CanSeek && source.Length - source.Position >= OwnThreadUploadMinimum;
        }
        catch (Exception e) when (e is IOException or NotSupportedException)
        {
            return false;
        }
    }

    private async Task<long> WriteFileAwaitingAsync(byte[] handle, Stream source, Action<long>? progress, CancellationToken cancellationToken)
    {
        using var packet = new WritePacket(handle, WriteChunkSize);
        var queue = new Queue<Task<bool>>();
        long offset = 0;
        while (true)
        {
            int n = await ReadFullAsync(source, packet.Data, cancellationToken).ConfigureAwait(false);
            if (n == 0) break;
            uint id = NextId();
            var pending = new SftpPending<bool>(SftpReplies.Ok);
            var frame = packet.Seal(id, offset, n);
            Register(id, pending);
            await SendAsync(frame, cancellationToken).ConfigureAwait(false);
            queue.Enqueue(pending.Task);
            offset += n;
            progress?.Invoke(n);
            while (queue.Count >= MaxOutstandingRequests || (queue.Count > 0 && queue.Peek().IsCompleted))
            {
                await queue.Dequeue().WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            if (n < packet.Data.Length) break;
        }
        while (queue.Count > 0) await queue.Dequeue().WaitAsync(cancellationToken).ConfigureAwait(false);
        return offset;
    }

    /// <summary>
    /// The same loop on a thread of its own: the source is read in place, the channel's blocking
    /// write waits for WINDOW_ADJUST, and the receive loop wakes this thread directly for each status.
    /// </summary>
    private long WriteFileBlocking(byte[] handle, Stream source, Action<long>? progress, CancellationToken cancellationToken)
    {
        using var packet = new WritePacket(handle, WriteChunkSize);
        var inFlight = new SftpWritesInFlight();
        int max = MaxOutstandingRequests;
        long offset = 0;
        while (true)
        {
            int n = ReadFull(source, packet.Data.Span);
            if (n == 0) break;
            uint id = NextId();
            var frame = packet.Seal(id, offset, n);
            Register(id, inFlight.Add());
            SendBlocking(frame, cancellationToken);
            offset += n;
            progress?.Invoke(n);
            inFlight.WaitBelow(max, cancellationToken);
            if (n < packet.Data.Length) break;
        }
        inFlight.WaitBelow(0, cancellationToken);
        return offset;
    }

    private static async ValueTask<int> ReadFullAsync(Stream source, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await LocalStreamIo.ReadAsync(source, buffer[total..], cancellationToken).ConfigureAwait(false);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    private static int ReadFull(Stream source, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = source.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    /// <summary>One WRITE packet, reused: the chunk is read into <see cref="Data"/>, then <see cref="Seal"/> writes the header in front of it.</summary>
    private sealed class WritePacket : IBufferWriter<byte>, IDisposable
    {
        private readonly byte[] _handle;
        private readonly byte[] _buffer;
        private readonly int _headerLength;
        private int _count;

        public WritePacket(byte[] handle, int chunk)
        {
            _handle = handle;
            _headerLength = 4 + 1 + 4 + 4 + handle.Length + 8 + 4;
            _buffer = ArrayPool<byte>.Shared.Rent(_headerLength + chunk);
            Data = _buffer.AsMemory(_headerLength, chunk);
        }

        /// <summary>Where the next chunk goes.</summary>
        public Memory<byte> Data { get; }

        /// <summary>The whole packet: the header for the first <paramref name="n"/> bytes of <see cref="Data"/>, at <paramref name="offset"/>, then them.</summary>
        public ReadOnlyMemory<byte> Seal(uint id, long offset, int n)
        {
            _count = 0;
            var w = new SshWriter(this);
            w.WriteUInt32((uint)(_headerLength - 4 + n));
            new SftpWriteRequest(id, _handle, (ulong)offset, Data[..n]).WriteHeader(w);
            return _buffer.AsMemory(0, _headerLength + n);
        }

        public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);

        void IBufferWriter<byte>.Advance(int count) => _count += count;
        Memory<byte> IBufferWriter<byte>.GetMemory(int sizeHint) => _buffer.AsMemory(_count, _headerLength - _count);
        Span<byte> IBufferWriter<byte>.GetSpan(int sizeHint) => _buffer.AsSpan(_count, _headerLength - _count);
    }
}
