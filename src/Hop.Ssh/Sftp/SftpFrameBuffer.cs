using System.Buffers;
using System.Buffers.Binary;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Sftp;

/// <summary>
/// A pooled buffer of outgoing SFTP packets, each "uint32 length, body": <see cref="Begin"/>
/// reserves the length, <see cref="End"/> fills it in. Several packets may go into one buffer so
/// that a batch of requests leaves in one channel write.
/// </summary>
internal sealed class SftpFrameBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _count;
    private int _frameStart = -1;

    public SftpFrameBuffer(int capacity = 1024) => _buffer = ArrayPool<byte>.Shared.Rent(capacity);

    public int Length => _count;
    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _count);

    /// <summary>Starts a packet; write its body through the returned writer, then call <see cref="End"/>.</summary>
    public SshWriter Begin()
    {
        if (_frameStart >= 0) throw new InvalidOperationException("sftp: a packet is already open");
        _frameStart = _count;
        GetSpan(4);
        _count += 4;
        return new SshWriter(this);
    }

    public void End()
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(_frameStart), (uint)(_count - _frameStart - 4));
        _frameStart = -1;
    }

    public void Clear()
    {
        _count = 0;
        _frameStart = -1;
    }

    public void Advance(int count) => _count += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_count);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_count);
    }

    private void Ensure(int sizeHint)
    {
        int need = _count + Math.Max(sizeHint, 1);
        if (need <= _buffer.Length) return;
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(need, _buffer.Length * 2));
        _buffer.AsSpan(0, _count).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    public void Dispose()
    {
        var b = _buffer;
        _buffer = [];
        if (b.Length > 0) ArrayPool<byte>.Shared.Return(b);
    }
}
