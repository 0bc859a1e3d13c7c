using System.Buffers.Binary;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Mux;

/// <summary>The control socket's framing: <c>uint32 length</c>, then that many bytes, type first (PROTOCOL.mux).</summary>
internal static class MuxFraming
{
    public delegate void WriteMessage<T>(in T message, ref SshWriter writer);

    public static async Task WriteAsync<T>(Stream stream, T message, WriteMessage<T> write, CancellationToken cancellationToken)
    {
        using var buffer = new SshBuffer();
        var w = buffer.Writer;
        w.WriteUInt32(0);
        write(message, ref w);
        var frame = buffer.ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)(frame.Length - 4));
        await stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One message's body (type first), or null at a clean end of stream; bounded by <see cref="MuxProtocol.MaxMessageLength"/>.</summary>
    public static async Task<byte[]?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[4];
        if (!await ReadExactlyOrEndAsync(stream, header, cancellationToken).ConfigureAwait(false)) return null;
        uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length < 4 || length > MuxProtocol.MaxMessageLength) throw new SshProtocolException($"control socket message of {length} bytes");
        var body = new byte[length];
        if (!await ReadExactlyOrEndAsync(stream, body, cancellationToken).ConfigureAwait(false)) throw new SshProtocolException("control socket message truncated");
        return body;
    }

    private static async Task<bool> ReadExactlyOrEndAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                if (total == 0) return false;
                throw new SshProtocolException("control socket message truncated");
            }
            total += n;
        }
        return true;
    }

    /// <summary>As <see cref="WriteAsync"/>, blocking.</summary>
    public static void Write<T>(Stream stream, T message, WriteMessage<T> write)
    {
        using var buffer = new SshBuffer();
        var w = buffer.Writer;
        w.WriteUInt32(0);
        write(message, ref w);
        var frame = buffer.ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)(frame.Length - 4));
        stream.Write(frame);
    }

    /// <summary>As <see cref="ReadAsync"/>, blocking.</summary>
    public static byte[]? Read(Stream stream)
    {
        var header = new byte[4];
        int got = stream.ReadAtLeast(header, 4, throwOnEndOfStream: false);
        if (got == 0) return null;
        if (got < 4) throw new SshProtocolException("control socket message truncated");
        uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length < 4 || length > MuxProtocol.MaxMessageLength) throw new SshProtocolException($"control socket message of {length} bytes");
        var body = new byte[length];
        if (stream.ReadAtLeast(body, body.Length, throwOnEndOfStream: false) < body.Length) throw new SshProtocolException("control socket message truncated");
        return body;
    }
}
