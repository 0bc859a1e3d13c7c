using System.Buffers.Binary;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Mux;

/// <summary>
/// The control socket's framing: <c>uint32 length</c>, then that many bytes, type first (PROTOCOL.mux).
/// Blocking forms for the mux client, async ones for the master's many clients.
/// </summary>
internal static class MuxFraming
{
    private const int HeaderLength = 4;

    public delegate void WriteMessage<T>(in T message, ref SshWriter writer);

    public static Task WriteAsync<T>(Stream stream, T message, WriteMessage<T> write, CancellationToken cancellationToken) =>
        stream.WriteAsync(Frame(message, write), cancellationToken).AsTask();

    /// <summary>As <see cref="WriteAsync"/>, blocking.</summary>
    public static void Write<T>(Stream stream, T message, WriteMessage<T> write) => stream.Write(Frame(message, write));

    /// <summary>One message's body (type first), or null at a clean end of stream; bounded by <see cref="MuxProtocol.MaxMessageLength"/>.</summary>
    public static async Task<byte[]?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderLength];
        int got = await stream.ReadAtLeastAsync(header, HeaderLength, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (got == 0) return null;
        var body = new byte[BodyLength(header, got)];
        got = await stream.ReadAtLeastAsync(body, body.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        return Complete(body, got);
    }

    /// <summary>As <see cref="ReadAsync"/>, blocking.</summary>
    public static byte[]? Read(Stream stream)
    {
        var header = new byte[HeaderLength];
        int got = stream.ReadAtLeast(header, HeaderLength, throwOnEndOfStream: false);
        if (got == 0) return null;
        var body = new byte[BodyLength(header, got)];
        return Complete(body, stream.ReadAtLeast(body, body.Length, throwOnEndOfStream: false));
    }

    private static byte[] Frame<T>(T message, WriteMessage<T> write)
    {
        using var buffer = new SshBuffer();
        var w = buffer.Writer;
        w.WriteUInt32(0);
        write(message, ref w);
        var frame = buffer.ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)(frame.Length - HeaderLength));
        return frame;
    }

    /// <summary>The body length a header of <paramref name="got"/> bytes announces, checked.</summary>
    private static int BodyLength(byte[] header, int got)
    {
        if (got < HeaderLength) throw new SshProtocolException("control socket message truncated");
        uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length < 4 || length > MuxProtocol.MaxMessageLength) throw new SshProtocolException($"control socket message of {length} bytes");
        return (int)length;
    }

    private static byte[] Complete(byte[] body, int got) =>
        got < body.Length ? throw new SshProtocolException("control socket message truncated") : body;
}
