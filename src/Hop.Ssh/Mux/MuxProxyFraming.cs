using System.Buffers.Binary;

namespace Hop.Ssh.Mux;

/// <summary>
/// The frames of a control socket in proxy mode (PROTOCOL.mux §9, after MUX_S_PROXY): an SSH
/// binary packet with no encryption, no MAC and no padding, <c>uint32 packet length, byte padding
/// length (0), payload</c>, the payload starting with its message number. Both OpenSSH's master and
/// its proxy client write a padding length of 0 and add no padding; a reader skips the padding
/// length byte whatever it says (as OpenSSH's does) and takes the rest as the payload.
/// </summary>
public static class MuxProxyFraming
{
    /// <summary>The length field and the padding length byte.</summary>
    public const int HeaderLength = 5;

    /// <summary>The longest packet length accepted, as OpenSSH's PACKET_MAX_SIZE (256 KiB).</summary>
    public const int MaxPacketLength = 256 * 1024;

    /// <summary>The whole frame for <paramref name="payload"/> (message number first); one longer than OpenSSH reads is an <see cref="SshProtocolException"/>.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty) throw new ArgumentException("a message has at least its number", nameof(payload));
        if (payload.Length + 1 > MaxPacketLength) throw new SshProtocolException($"a message of {payload.Length} bytes is too long for the control socket");
        var frame = new byte[HeaderLength + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)(payload.Length + 1));
        frame[4] = 0;
        payload.CopyTo(frame.AsSpan(HeaderLength));
        return frame;
    }

    /// <summary>
    /// Looks for a whole frame at the start of <paramref name="buffer"/>: false when more bytes are
    /// needed; else the frame's length in all and where its payload lies. A packet length under 2 (no
    /// room for a message number) or over <see cref="MaxPacketLength"/> is an <see cref="SshProtocolException"/>.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> buffer, out int frameLength, out Range payload)
    {
        frameLength = 0;
        payload = default;
        if (buffer.Length < 4) return false;
        uint length = BinaryPrimitives.ReadUInt32BigEndian(buffer);
        if (length < 2 || length > MaxPacketLength) throw new SshProtocolException($"control socket packet of {length} bytes");
        if (buffer.Length - 4 < length) return false;
        frameLength = 4 + (int)length;
        payload = HeaderLength..frameLength;
        return true;
    }
}
