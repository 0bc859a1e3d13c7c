using System.Buffers.Binary;
using System.Text;

namespace Hop.Ssh.Wire;

/// <summary>
/// Reads the data types of RFC 4251 §5 from a span. Every read is bounds-checked and throws
/// <see cref="SshProtocolException"/> on truncated or oversized input; nothing here allocates
/// unless it returns a string or array.
/// </summary>
public ref struct SshReader
{
    /// <summary>The default cap for a string read when the caller has no tighter bound.</summary>
    public const int DefaultMaxString = 256 * 1024;

    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public SshReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly int Position => _position;
    public readonly int Remaining => _data.Length - _position;
    public readonly bool IsAtEnd => _position >= _data.Length;
    public readonly ReadOnlySpan<byte> RemainingSpan => _data[_position..];

    public byte ReadByte()
    {
        Need(1);
        return _data[_position++];
    }

    public bool ReadBoolean() => ReadByte() != 0;

    public uint ReadUInt32()
    {
        Need(4);
        uint v = BinaryPrimitives.ReadUInt32BigEndian(_data[_position..]);
        _position += 4;
        return v;
    }

    public ulong ReadUInt64()
    {
        Need(8);
        ulong v = BinaryPrimitives.ReadUInt64BigEndian(_data[_position..]);
        _position += 8;
        return v;
    }

    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count < 0) throw new SshProtocolException("negative length");
        Need(count);
        var s = _data.Slice(_position, count);
        _position += count;
        return s;
    }

    /// <summary>Reads a uint32-length-prefixed byte string of at most <paramref name="maxLength"/> bytes.</summary>
    public ReadOnlySpan<byte> ReadString(int maxLength = DefaultMaxString)
    {
        uint len = ReadUInt32();
        if (len > (uint)maxLength) throw new SshProtocolException($"string of {len} bytes exceeds the limit of {maxLength}");
        return ReadBytes((int)len);
    }

    /// <summary>Reads a string and decodes it as UTF-8 (invalid sequences are rejected).</summary>
    public string ReadUtf8(int maxLength = 64 * 1024)
    {
        var bytes = ReadString(maxLength);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new SshProtocolException("invalid UTF-8 in string", e);
        }
    }

    /// <summary>Reads an algorithm or method name: US-ASCII printable, no commas or spaces.</summary>
    public string ReadName(int maxLength = 256)
    {
        var bytes = ReadString(maxLength);
        foreach (byte b in bytes)
        {
            if (b <= 0x20 || b >= 0x7f) throw new SshProtocolException("invalid character in name");
        }
        return Encoding.ASCII.GetString(bytes);
    }

    /// <summary>Reads a name-list (RFC 4251 §5): comma-separated ASCII names.</summary>
    public string[] ReadNameList(int maxLength = 64 * 1024)
    {
        var bytes = ReadString(maxLength);
        if (bytes.Length == 0) return [];
        foreach (byte b in bytes)
        {
            if (b <= 0x20 || b >= 0x7f) throw new SshProtocolException("invalid character in name-list");
        }
        var names = Encoding.ASCII.GetString(bytes).Split(',');
        foreach (var n in names)
        {
            if (n.Length == 0) throw new SshProtocolException("empty name in name-list");
        }
        return names;
    }

    /// <summary>
    /// Reads an mpint that must be non-negative and returns its magnitude, big-endian, without the
    /// sign byte. Rejects negative values, non-minimal encodings and values over <paramref name="maxBytes"/>.
    /// </summary>
    public ReadOnlySpan<byte> ReadMpintUnsigned(int maxBytes = 2049)
    {
        var raw = ReadString(maxBytes + 1);
        if (raw.Length == 0) return raw;
        if ((raw[0] & 0x80) != 0) throw new SshProtocolException("negative mpint");
        if (raw[0] == 0)
        {
            if (raw.Length == 1 || (raw[1] & 0x80) == 0) throw new SshProtocolException("mpint with needless leading zero");
            raw = raw[1..];
        }
        if (raw.Length > maxBytes) throw new SshProtocolException("mpint too large");
        return raw;
    }

    /// <summary>Throws unless every byte has been read (OpenSSH's sshpkt_get_end).</summary>
    public readonly void EnsureEnd()
    {
        if (_position != _data.Length) throw new SshProtocolException($"{_data.Length - _position} unexpected trailing bytes");
    }

    private readonly void Need(int count)
    {
        if (count > _data.Length - _position) throw new SshProtocolException("message truncated");
    }

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);
}
