using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Agent;

/// <summary>
/// PuTTY's Pageant transport on Windows, the part that is not Windows: a client finds the hidden
/// window whose class and title are both "Pageant", writes an agent request (uint32 length, then the
/// message) into a shared memory section it named <c>PageantRequest%08x</c> (its thread id), and
/// sends the window WM_COPYDATA with <see cref="CopyDataId"/> and that name, NUL-terminated. The
/// agent answers in the same memory, in the same framing, and returns non-zero; zero means no answer.
/// Here are the names and the checks on what is in the section, bounded by the section's size.
/// </summary>
public static class PageantCopyData
{
    /// <summary>The window's class name and title.</summary>
    public const string WindowName = "Pageant";

    /// <summary>COPYDATASTRUCT.dwData of an agent request (PuTTY's AGENT_COPYDATA_ID).</summary>
    public const uint CopyDataId = 0x804e50ba;

    /// <summary>The section size a client makes: PuTTY's AGENT_MAX_MSGLEN (256 KiB), the message and its length field.</summary>
    public const int SectionLength = AgentProtocol.MaxMessageLength;

    /// <summary>Longer names than this are not a client's (PuTTY's are 22 characters and the NUL).</summary>
    private const int MaxNameLength = 256;

    /// <summary>The section name a client uses on the thread <paramref name="threadId"/>.</summary>
    public static string SectionName(uint threadId) => $"PageantRequest{threadId:x8}";

    /// <summary>The section name a WM_COPYDATA carries as bytes (ANSI, NUL-terminated); null when it is not one.</summary>
    public static string? ReadSectionName(ReadOnlySpan<byte> data)
    {
        if (data.Length < 2 || data.Length > MaxNameLength || data[^1] != 0) return null;
        var name = data[..^1];
        foreach (byte b in name)
        {
            if (b is < 0x21 or > 0x7e) return null;
        }
        return Encoding.ASCII.GetString(name);
    }

    /// <summary>
    /// The agent's side: reads the request in <paramref name="section"/>, and writes the answer
    /// <paramref name="handle"/> gives in its place (SSH_AGENT_FAILURE when the answer does not fit).
    /// False, with the section untouched, when it holds no well-formed request.
    /// </summary>
    public static bool Answer(Span<byte> section, Func<byte[], SshBuffer> handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (section.Length < 5) return false;
        uint length = BinaryPrimitives.ReadUInt32BigEndian(section);
        if (length == 0 || length > section.Length - 4 || length > AgentProtocol.MaxMessageLength) return false;
        byte[] request = section.Slice(4, (int)length).ToArray();
        try
        {
            using var reply = handle(request);
            var body = reply.Length + 4 <= section.Length ? reply.WrittenSpan : [(byte)AgentMessageType.Failure];
            BinaryPrimitives.WriteUInt32BigEndian(section, (uint)body.Length);
            body.CopyTo(section[4..]);
            // What is left of the request after the answer may hold a key being added.
            CryptographicOperations.ZeroMemory(section.Slice(4 + body.Length, (int)Math.Max(0, length - body.Length)));
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(request);
        }
    }

    /// <summary>The client's side: puts <paramref name="body"/> (type byte first) in <paramref name="section"/> with its length.</summary>
    public static void WriteRequest(Span<byte> section, ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty || body.Length + 4 > section.Length) throw new SshProtocolException($"agent request of {body.Length} bytes does not fit Pageant's {section.Length}-byte section");
        BinaryPrimitives.WriteUInt32BigEndian(section, (uint)body.Length);
        body.CopyTo(section[4..]);
    }

    /// <summary>The client's side: the answer's body in <paramref name="section"/>, checked against the section's size.</summary>
    public static byte[] ReadReply(ReadOnlySpan<byte> section)
    {
        if (section.Length < 5) throw new SshProtocolException("Pageant's section is too small for an answer");
        uint length = BinaryPrimitives.ReadUInt32BigEndian(section);
        if (length == 0 || length > section.Length - 4) throw new SshProtocolException($"Pageant answered with a length of {length} bytes in a {section.Length}-byte section");
        return section.Slice(4, (int)length).ToArray();
    }
}
