using Hop.Ssh.Wire;

namespace Hop.Ssh.Transport.Messages;

/// <summary>
/// SSH_MSG_DISCONNECT (RFC 4253 §11.1):
/// <code>
/// byte      SSH_MSG_DISCONNECT
/// uint32    reason code
/// string    description in ISO-10646 UTF-8 encoding
/// string    language tag
/// </code>
/// </summary>
public sealed record DisconnectMessage(uint ReasonCode, string Description, string Language = "")
{
    public static DisconnectMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        r.ReadByte();
        uint code = r.ReadUInt32();
        string desc = r.ReadUtf8(4096);
        string lang = r.IsAtEnd ? "" : r.ReadUtf8(256);
        return new DisconnectMessage(code, desc, lang);
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte(MessageNumbers.Disconnect);
        w.WriteUInt32(ReasonCode);
        w.WriteString(Description);
        w.WriteString(Language);
    }
}

/// <summary>
/// SSH_MSG_UNIMPLEMENTED (RFC 4253 §11.4): byte SSH_MSG_UNIMPLEMENTED, uint32 packet sequence number of rejected message.
/// </summary>
public sealed record UnimplementedMessage(uint SequenceNumber)
{
    public static UnimplementedMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        r.ReadByte();
        var m = new UnimplementedMessage(r.ReadUInt32());
        r.EnsureEnd();
        return m;
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte(MessageNumbers.Unimplemented);
        w.WriteUInt32(SequenceNumber);
    }
}

/// <summary>
/// SSH_MSG_DEBUG (RFC 4253 §11.3): byte SSH_MSG_DEBUG, boolean always_display, string message (UTF-8), string language tag.
/// </summary>
public sealed record DebugMessage(bool AlwaysDisplay, string Message)
{
    public static DebugMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        r.ReadByte();
        bool always = r.ReadBoolean();
        string msg = r.ReadUtf8(4096);
        return new DebugMessage(always, msg);
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte(MessageNumbers.Debug);
        w.WriteBoolean(AlwaysDisplay);
        w.WriteString(Message);
        w.WriteString("");
    }
}

/// <summary>
/// SSH_MSG_SERVICE_REQUEST / SSH_MSG_SERVICE_ACCEPT (RFC 4253 §10): byte number, string service name.
/// </summary>
public sealed record ServiceMessage(byte Number, string ServiceName)
{
    public static ServiceMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        byte n = r.ReadByte();
        var m = new ServiceMessage(n, r.ReadName());
        r.EnsureEnd();
        return m;
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte(Number);
        w.WriteString(ServiceName);
    }
}

/// <summary>
/// SSH_MSG_EXT_INFO (RFC 8308 §2.3):
/// <code>
/// byte       SSH_MSG_EXT_INFO (value 7)
/// uint32     nr-extensions
/// repeat the following 2 fields "nr-extensions" times:
///   string   extension-name
///   string   extension-value (binary)
/// </code>
/// </summary>
public sealed record ExtInfoMessage(IReadOnlyList<(string Name, byte[] Value)> Extensions)
{
    public const int MaxExtensions = 64;

    public static ExtInfoMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        r.ReadByte();
        uint n = r.ReadUInt32();
        if (n > MaxExtensions) throw new SshProtocolException($"SSH_MSG_EXT_INFO with {n} extensions");
        var list = new List<(string, byte[])>((int)n);
        for (int i = 0; i < n; i++) list.Add((r.ReadName(), r.ReadString(64 * 1024).ToArray()));
        r.EnsureEnd();
        return new ExtInfoMessage(list);
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte(MessageNumbers.ExtInfo);
        w.WriteUInt32((uint)Extensions.Count);
        foreach (var (name, value) in Extensions)
        {
            w.WriteString(name);
            w.WriteString(value);
        }
    }
}
