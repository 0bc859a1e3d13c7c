using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;

namespace Hop.Ssh.Crypto;

/// <summary>
/// AES in counter mode (RFC 4344 §4): the IV is a 128-bit big-endian counter, incremented once per
/// block, whose AES encryptions form the keystream. Counter blocks are encrypted in batches with the
/// BCL's AES-ECB into a reusable buffer, and the keystream is consumed as a stream across packets.
/// </summary>
internal sealed class AesCtrKeystream : IDisposable
{
    private const int BatchBytes = 16 * 1024;

    private readonly Aes _aes;
    private readonly ICryptoTransform _ecb;
    private readonly byte[] _counters = new byte[BatchBytes];
    private readonly byte[] _keystream = new byte[BatchBytes];
    private int _position = BatchBytes;
    private ulong _counterHigh;
    private ulong _counterLow;
    private bool _highHalvesCurrent;
    private bool _disposed;

    public AesCtrKeystream(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv)
    {
        if (key.Length is not (16 or 24 or 32)) throw new ArgumentException("AES key must be 16, 24 or 32 bytes", nameof(key));
        if (iv.Length < 16) throw new ArgumentException("AES-CTR needs a 16-byte IV", nameof(iv));
        _aes = Aes.Create();
        byte[] keyCopy = key.ToArray();
        try
        {
            // ECB of distinct counter blocks is exactly CTR's keystream (RFC 4344 §4).
#pragma warning disable CA5358
            _aes.Mode = CipherMode.ECB;
#pragma warning restore CA5358
            _aes.Padding = PaddingMode.None;
            _ecb = _aes.CreateEncryptor(keyCopy, null);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyCopy);
        }
        _counterHigh = BinaryPrimitives.ReadUInt64BigEndian(iv);
        _counterLow = BinaryPrimitives.ReadUInt64BigEndian(iv[8..]);
    }

    /// <summary>XORs the next <paramref name="data"/>.Length keystream bytes into <paramref name="data"/>.</summary>
    public void Apply(Span<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (!data.IsEmpty)
        {
            if (_position == BatchBytes) Refill();
            int n = Math.Min(data.Length, BatchBytes - _position);
            Xor(data[..n], _keystream.AsSpan(_position, n));
            _position += n;
            data = data[n..];
        }
    }

    private void Refill()
    {
        const int Blocks = BatchBytes / 16;
        ulong high = _counterHigh, low = _counterLow;
        if (low <= ulong.MaxValue - Blocks)
        {
            // No carry into the high half within this batch: one byte-swapped store per block,
            // without the bounds checks of slicing (this loop runs 64 Ki times per GiB).
            // The high halves stay as the last batch left them unless that batch carried.
            ref byte c = ref MemoryMarshal.GetArrayDataReference(_counters);
            if (!_highHalvesCurrent)
            {
                ulong highBigEndian = BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(high) : high;
                for (int b = 0; b < Blocks; b++) Unsafe.WriteUnaligned(ref Unsafe.Add(ref c, b * 16), highBigEndian);
                _highHalvesCurrent = true;
            }
            for (int b = 0; b < Blocks; b++)
            {
                ulong next = low + (ulong)b;
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref c, (b * 16) + 8), BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(next) : next);
            }
            low += Blocks;
        }
        else
        {
            _highHalvesCurrent = false;
            var counters = _counters.AsSpan();
            for (int i = 0; i < BatchBytes; i += 16)
            {
                BinaryPrimitives.WriteUInt64BigEndian(counters[i..], high);
                BinaryPrimitives.WriteUInt64BigEndian(counters[(i + 8)..], low);
                low = unchecked(low + 1);
                if (low == 0) high = unchecked(high + 1);
            }
        }
        _counterHigh = high;
        _counterLow = low;
        int written = _ecb.TransformBlock(_counters, 0, BatchBytes, _keystream, 0);
        if (written != BatchBytes) throw new CryptographicException("AES-ECB returned a short keystream batch");
        _position = 0;
    }

    /// <summary>data ^= keystream, 32 or 16 bytes at a time where the CPU allows.</summary>
    internal static void Xor(Span<byte> data, ReadOnlySpan<byte> keystream)
    {
        int n = data.Length;
        if (keystream.Length < n) throw new ArgumentException("keystream shorter than data", nameof(keystream));
        ref byte d = ref MemoryMarshal.GetReference(data);
        ref byte k = ref MemoryMarshal.GetReference(keystream);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 32; i += 32)
                (Vector256.LoadUnsafe(ref d, (nuint)i) ^ Vector256.LoadUnsafe(ref k, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
        }
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
                (Vector128.LoadUnsafe(ref d, (nuint)i) ^ Vector128.LoadUnsafe(ref k, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref d, i) ^= Unsafe.Add(ref k, i);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _ecb.Dispose();
        _aes.Dispose();
        CryptographicOperations.ZeroMemory(_keystream);
        CryptographicOperations.ZeroMemory(_counters);
        _counterHigh = _counterLow = 0;
    }
}
