using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Hop.Ssh.Crypto;

/// <summary>
/// An HMAC over uint32 sequence_number || packet bytes (RFC 4253 §6.4), reusing one keyed
/// <see cref="IncrementalHash"/> so no packet allocates.
/// </summary>
internal sealed class PacketMac : IDisposable
{
    private readonly IncrementalHash _hmac;
    private readonly byte[] _sequence = new byte[4];
    private readonly byte[] _computed;
    private bool _disposed;

    public PacketMac(MacAlgorithm algorithm, ReadOnlySpan<byte> key)
    {
        if (key.Length < algorithm.KeySize) throw new ArgumentException($"{algorithm.Name} needs a {algorithm.KeySize}-byte key", nameof(key));
        Algorithm = algorithm;
        _hmac = IncrementalHash.CreateHMAC(algorithm.Hash, key[..algorithm.KeySize]);
        _computed = new byte[_hmac.HashLengthInBytes];
    }

    public MacAlgorithm Algorithm { get; }

    public int TagLength => Algorithm.TagLength;

    /// <summary>Writes the MAC of seq || data into the first <see cref="TagLength"/> bytes of <paramref name="tag"/>.</summary>
    public void Compute(uint sequenceNumber, ReadOnlySpan<byte> data, Span<byte> tag)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (tag.Length < TagLength) throw new ArgumentException("tag span too short", nameof(tag));
        Run(sequenceNumber, data);
        _computed.AsSpan(0, TagLength).CopyTo(tag);
    }

    /// <summary>Checks the MAC in constant time.</summary>
    public bool Verify(uint sequenceNumber, ReadOnlySpan<byte> data, ReadOnlySpan<byte> tag)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (tag.Length < TagLength) return false;
        Run(sequenceNumber, data);
        return CryptographicOperations.FixedTimeEquals(_computed.AsSpan(0, TagLength), tag[..TagLength]);
    }

    private void Run(uint sequenceNumber, ReadOnlySpan<byte> data)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_sequence, sequenceNumber);
        _hmac.AppendData(_sequence);
        _hmac.AppendData(data);
        if (!_hmac.TryGetHashAndReset(_computed, out _)) throw new CryptographicException("HMAC output did not fit");
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _hmac.Dispose();
        CryptographicOperations.ZeroMemory(_computed);
    }
}
