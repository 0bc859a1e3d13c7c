using System.Buffers;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Sftp;

/// <summary>The WRITE loop of an upload (awaited for a small or unsized source, on a thread of its own for a large one).</summary>
public sealed partial class SftpClient
{
    /// <summary>
    /// A transfer of at least this much (a source with a known length, a file with a known size)
    /// runs on a thread of its own (see <see cref="SftpTransferWaits"/>).
    /// </summary>
    internal const long OwnThreadTransferMinimum = 4 * 1024 * 1024;

    private Task<long> WriteFileAsync(byte[] handle, Stream source, Action<long>? progress, CancellationToken cancellationToken)
        => SftpTransferWaits.RunAsync(waits => WriteFileAsync(handle, source, progress, waits, cancellationToken), IsLarge(source), cancellationToken);

    private static bool IsLarge(Stream source)
    {
        try
        {
            return source.CanSeek && source.Length - source.Position >= OwnThreadTransferMinimum;
        }
        catch (Exception e) when (e is IOException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Writes <paramref name="source"/> from offset 0 with up to <see cref="MaxOutstandingRequests"/>
    /// WRITEs in flight. Each chunk is read straight into its packet after the header: one copy.
    /// </summary>
    private async Task<long> WriteFileAsync(byte[] handle, Stream source, Action<long>? progress, SftpTransferWaits waits, CancellationToken cancellationToken)
    {
        using var packet = new WritePacket(handle, WriteChunkSize);
        var queue = new Queue<Task<bool>>();
        long offset = 0;
        while (true)
        {
            int n = await ReadFullAsync(source, packet.Data, waits, cancellationToken).ConfigureAwait(false);
            if (n == 0) break;
            uint id = NextId();
            var pending = new SftpPending<bool>(SftpReplies.Ok) { Answered = waits.Answered };
            var frame = packet.Seal(id, offset, n);
            Register(id, pending);
            await waits.SendAsync(this, frame, cancellationToken).ConfigureAwait(false);
            queue.Enqueue(pending.Task);
            offset += n;
            progress?.Invoke(n);
            while (queue.Count >= MaxOutstandingRequests || (queue.Count > 0 && queue.Peek().IsCompleted))
            {
                await waits.ReplyAsync(queue.Dequeue(), cancellationToken).ConfigureAwait(false);
            }
            if (n < packet.Data.Length) break;
        }
        while (queue.Count > 0) await waits.ReplyAsync(queue.Dequeue(), cancellationToken).ConfigureAwait(false);
        return offset;
    }

    private static async ValueTask<int> ReadFullAsync(Stream source, Memory<byte> buffer, SftpTransferWaits waits, CancellationToken cancellationToken)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await waits.ReadAsync(source, buffer[total..], cancellationToken).ConfigureAwait(false);
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
