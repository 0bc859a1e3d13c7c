using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Agent;

/// <summary>
/// The agent protocol's framing (RFC 9987 §3): each message is <c>uint32 length</c> followed by
/// <c>length</c> bytes whose first byte is the message type. A length over
/// <see cref="AgentProtocol.MaxMessageLength"/> or zero is a protocol error: the connection closes.
/// </summary>
public static class AgentFraming
{
    /// <summary>
    /// Reads one message body (type byte first). Returns null on a clean end of stream before a new
    /// message; throws <see cref="SshProtocolException"/> for an oversized, empty or truncated message.
    /// The caller owns the array and should zero it when it held secrets.
    /// </summary>
    public static async ValueTask<byte[]?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] header = new byte[4];
        int got = await ReadFullyAsync(stream, header, cancellationToken).ConfigureAwait(false);
        if (got == 0) return null;
        if (got < 4) throw new SshProtocolException("agent message truncated");
        uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length == 0) throw new SshProtocolException("empty agent message");
        if (length > AgentProtocol.MaxMessageLength) throw new SshProtocolException($"agent message of {length} bytes exceeds the limit of {AgentProtocol.MaxMessageLength}");
        byte[] body = new byte[length];
        got = await ReadFullyAsync(stream, body, cancellationToken).ConfigureAwait(false);
        if (got < body.Length)
        {
            CryptographicOperations.ZeroMemory(body);
            throw new SshProtocolException("agent message truncated");
        }
        return body;
    }

    /// <summary>Writes one message body (type byte first) with its length prefix, in one write.</summary>
    public static async ValueTask WriteAsync(Stream stream, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (body.Length > AgentProtocol.MaxMessageLength) throw new SshProtocolException("agent message too large");
        byte[] frame = ArrayPool<byte>.Shared.Rent(body.Length + 4);
        try
        {
            BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)body.Length);
            body.Span.CopyTo(frame.AsSpan(4));
            await stream.WriteAsync(frame.AsMemory(0, body.Length + 4), cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(frame.AsSpan(0, body.Length + 4));
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    /// <summary>Serializes a message through its Write method into a fresh buffer.</summary>
    internal static SshBuffer Build<T>(T message) where T : IAgentMessage
    {
        var buffer = new SshBuffer();
        var w = buffer.Writer;
        message.Write(ref w);
        return buffer;
    }

    private static async ValueTask<int> ReadFullyAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await stream.ReadAsync(buffer[total..], cancellationToken).ConfigureAwait(false);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}

/// <summary>A message of the agent protocol that can write itself (type byte first).</summary>
public interface IAgentMessage
{
    /// <summary>Writes the message body: the type byte, then the fields.</summary>
    void Write(ref SshWriter writer);
}
