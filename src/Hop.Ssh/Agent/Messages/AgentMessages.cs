using System.Text;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Agent.Messages;

/// <summary>Small helpers the message types share.</summary>
internal static class AgentMessages
{
    /// <summary>The largest key blob or signature accepted (certificates included).</summary>
    public const int MaxKeyBlob = 64 * 1024;

    public static void ExpectType(ref SshReader reader, AgentMessageType expected)
    {
        var type = (AgentMessageType)reader.ReadByte();
        if (type != expected) throw new SshProtocolException($"expected agent message {expected}, got {(byte)type}");
    }

    /// <summary>Reads a key comment. Comments are UTF-8 by convention but not by rule; bad bytes are replaced.</summary>
    public static string ReadComment(ref SshReader reader) => Encoding.UTF8.GetString(reader.ReadString(16 * 1024));
}
