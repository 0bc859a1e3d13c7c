using Hop.Ssh.Wire;

namespace Hop.Ssh.Agent.Messages;

/// <summary>
/// SSH_AGENTC_EXTENSION (RFC 9987 §3.8) and SSH_AGENT_EXTENSION_RESPONSE: a name and contents
/// whose layout the extension defines.
/// <code>
/// byte    SSH_AGENTC_EXTENSION (27) or SSH_AGENT_EXTENSION_RESPONSE (29)
/// string  extension type
/// byte[]  extension contents
/// </code>
/// </summary>
public sealed record ExtensionMessage(string Name, byte[] Contents, bool IsResponse = false) : IAgentMessage
{
    public static ExtensionMessage Read(ref SshReader reader)
    {
        var type = (AgentMessageType)reader.ReadByte();
        if (type is not (AgentMessageType.Extension or AgentMessageType.ExtensionResponse)) throw new SshProtocolException($"expected an extension message, got {type}");
        string name = reader.ReadUtf8(1024);
        byte[] contents = reader.RemainingSpan.ToArray();
        reader.ReadBytes(contents.Length);
        return new ExtensionMessage(name, contents, type == AgentMessageType.ExtensionResponse);
    }

    public void Write(ref SshWriter writer)
    {
        writer.WriteByte((byte)(IsResponse ? AgentMessageType.ExtensionResponse : AgentMessageType.Extension));
        writer.WriteString(Name);
        writer.WriteRaw(Contents);
    }
}

/// <summary>
/// The contents of the <c>query</c> extension's response (RFC 9987 §3.8.1): the names of the
/// supported extensions, one string each, after the echoed name "query".
/// <code>
/// byte      SSH_AGENT_EXTENSION_RESPONSE (29)
/// string    "query"
/// string[]  extension type
/// </code>
/// </summary>
public static class QueryExtension
{
    public static ExtensionMessage Response(IEnumerable<string> names)
    {
        using var buffer = new SshBuffer();
        var w = buffer.Writer;
        foreach (var n in names) w.WriteString(n);
        return new ExtensionMessage(AgentProtocol.QueryExtension, buffer.ToArray(), IsResponse: true);
    }

    public static IReadOnlyList<string> ReadNames(ReadOnlySpan<byte> contents)
    {
        var r = new SshReader(contents);
        var names = new List<string>();
        while (!r.IsAtEnd) names.Add(r.ReadUtf8(1024));
        return names;
    }
}
