using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Hop.Ssh.Wire;

/// <summary>Writes the data types of RFC 4251 §5 into an <see cref="IBufferWriter{T}"/>.</summary>
public readonly ref struct SshWriter
{
    private readonly IBufferWriter<byte> _output;

    public SshWriter(IBufferWriter<byte> output) => _output = output;

    public void WriteByte(byte value)
    {
        _output.GetSpan(1)[0] = value;
        _output.Advance(1);
    }

    public void WriteBoolean(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_output.GetSpan(4), value);
        _output.Advance(4);
    }

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(_output.GetSpan(8), value);
        _output.Advance(8);
    }

    /// <summary>Writes raw bytes with no length prefix.</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes) => _output.Write(bytes);

    /// <summary>Writes a uint32-length-prefixed byte string.</summary>
    public void WriteString(ReadOnlySpan<byte> bytes)
    {
        WriteUInt32((uint)bytes.Length);
        _output.Write(bytes);
    }

    /// <summary>Writes a string as UTF-8 with its length prefix.</summary>
    public void WriteString(string value)
    {
        int n = Encoding.UTF8.GetByteCount(value);
        WriteUInt32((uint)n);
        var span = _output.GetSpan(n);
        Encoding.UTF8.GetBytes(value, span);
        _output.Advance(n);
    }

    public void WriteNameList(IEnumerable<string> names) => WriteString(string.Join(',', names));

    /// <summary>Writes a non-negative integer given as big-endian magnitude as an mpint (RFC 4251 §5).</summary>
    public void WriteMpint(ReadOnlySpan<byte> magnitude)
    {
        int i = 0;
        while (i < magnitude.Length && magnitude[i] == 0) i++;
        var m = magnitude[i..];
        bool pad = m.Length > 0 && (m[0] & 0x80) != 0;
        WriteUInt32((uint)(m.Length + (pad ? 1 : 0)));
        if (pad) WriteByte(0);
        _output.Write(m);
    }
}

/// <summary>A pooled, growable buffer for building one message; clear it when it held secrets.</summary>
public sealed class SshBuffer : IBufferWriter<byte>, IDisposable
{
    /// <summary>
    /// A pool of its own rather than ArrayPool.Shared: the shared pool's first use in a process (its
    /// per-thread and per-core stores, the processor-number calibration) was 0.45 ms of a 4.7 ms
    /// `hop keygen`, which needs the shared pool for nothing else. SshBuffers hold control messages,
    /// key files and agent replies, a few at a time, where this pool's per-size lock costs nothing
    /// measurable; the data path does not use them.
    /// </summary>
    private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create();

    private byte[] _buffer;
    private int _count;

    public SshBuffer(int initialCapacity = 256) => _buffer = Pool.Rent(initialCapacity);

    public int Length => _count;
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _count);
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _count);
    public SshWriter Writer => new(this);

    public byte[] ToArray() => WrittenSpan.ToArray();

    public void Advance(int count)
    {
        if (count < 0 || _count + count > _buffer.Length) throw new ArgumentOutOfRangeException(nameof(count));
        _count += count;
    }

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

    /// <summary>Zeroes the written bytes and starts over.</summary>
    public void Clear()
    {
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(_buffer.AsSpan(0, _count));
        _count = 0;
    }

    private void Ensure(int sizeHint)
    {
        if (sizeHint < 1) sizeHint = 1;
        if (_buffer.Length - _count >= sizeHint) return;
        var bigger = Pool.Rent(Math.Max(_buffer.Length * 2, _count + sizeHint));
        _buffer.AsSpan(0, _count).CopyTo(bigger);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(_buffer.AsSpan(0, _count));
        Pool.Return(_buffer);
        _buffer = bigger;
    }

    public void Dispose()
    {
        if (_buffer.Length == 0) return;
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(_buffer.AsSpan(0, _count));
        Pool.Return(_buffer);
        _buffer = [];
        _count = 0;
    }
}
