using Hop.Ssh.Wire;

namespace Hop.Ssh.Connection.Messages;

/// <summary>The request types of RFC 4254 §6 and OpenSSH's PROTOCOL.</summary>
public static class ChannelRequestTypes
{
    public const string PtyReq = "pty-req";
    public const string X11Req = "x11-req";
    public const string Env = "env";
    public const string Shell = "shell";
    public const string Exec = "exec";
    public const string Subsystem = "subsystem";
    public const string WindowChange = "window-change";
    public const string XonXoff = "xon-xoff";
    public const string Signal = "signal";
    public const string ExitStatus = "exit-status";
    public const string ExitSignal = "exit-signal";
    public const string AuthAgentReq = "auth-agent-req@openssh.com";
    public const string KeepaliveOpenSsh = "keepalive@openssh.com";

    /// <summary>OpenSSH's "end of write" (PROTOCOL §2.1): the sender will not write the channel's data anywhere any more.</summary>
    public const string EndOfWrite = "eow@openssh.com";
}

/// <summary>The request-type-specific data at the end of SSH_MSG_CHANNEL_REQUEST (RFC 4254 §6).</summary>
public abstract class ChannelRequestDetails
{
    public abstract void Write(ref SshWriter writer);

    /// <summary>Reads the data for <paramref name="requestType"/> up to the end of the message.</summary>
    public static ChannelRequestDetails? Read(string requestType, ref SshReader reader)
    {
        ChannelRequestDetails? details = requestType switch
        {
            ChannelRequestTypes.Shell or ChannelRequestTypes.AuthAgentReq or ChannelRequestTypes.KeepaliveOpenSsh => null,
            ChannelRequestTypes.PtyReq => PtyRequestDetails.Read(ref reader),
            ChannelRequestTypes.X11Req => X11RequestDetails.Read(ref reader),
            ChannelRequestTypes.Env => EnvRequestDetails.Read(ref reader),
            ChannelRequestTypes.Exec => new CommandRequestDetails(reader.ReadUtf8(SshReader.DefaultMaxString)),
            ChannelRequestTypes.Subsystem => new CommandRequestDetails(reader.ReadUtf8(1024)),
            ChannelRequestTypes.WindowChange => WindowChangeRequestDetails.Read(ref reader),
            ChannelRequestTypes.XonXoff => new XonXoffRequestDetails(reader.ReadBoolean()),
            ChannelRequestTypes.Signal => new SignalRequestDetails(reader.ReadName(64)),
            ChannelRequestTypes.ExitStatus => new ExitStatusRequestDetails(reader.ReadUInt32()),
            ChannelRequestTypes.ExitSignal => ExitSignalRequestDetails.Read(ref reader),
            _ => new RawChannelRequestDetails(reader.RemainingSpan.ToArray()),
        };
        if (details is RawChannelRequestDetails) return details;
        reader.EnsureEnd();
        return details;
    }
}

/// <summary>
/// "pty-req" (RFC 4254 §6.2).
/// <code>
/// string    TERM environment variable value (e.g., vt100)
/// uint32    terminal width, characters (e.g., 80)
/// uint32    terminal height, rows (e.g., 24)
/// uint32    terminal width, pixels (e.g., 640)
/// uint32    terminal height, pixels (e.g., 480)
/// string    encoded terminal modes
/// </code>
/// </summary>
public sealed class PtyRequestDetails : ChannelRequestDetails
{
    public required string Term { get; init; }
    public uint Columns { get; init; }
    public uint Rows { get; init; }
    public uint WidthPixels { get; init; }
    public uint HeightPixels { get; init; }
    public TerminalModes Modes { get; init; } = new();

    public static PtyRequestDetails Read(ref SshReader reader) => new()
    {
        Term = reader.ReadUtf8(1024),
        Columns = reader.ReadUInt32(),
        Rows = reader.ReadUInt32(),
        WidthPixels = reader.ReadUInt32(),
        HeightPixels = reader.ReadUInt32(),
        Modes = TerminalModes.Decode(reader.ReadString(8192)),
    };

    public override void Write(ref SshWriter writer)
    {
        writer.WriteString(Term);
        writer.WriteUInt32(Columns);
        writer.WriteUInt32(Rows);
        writer.WriteUInt32(WidthPixels);
        writer.WriteUInt32(HeightPixels);
        writer.WriteString(Modes.Encode());
    }
}

/// <summary>
/// "x11-req" (RFC 4254 §6.3.1).
/// <code>
/// boolean   single connection
/// string    x11 authentication protocol
/// string    x11 authentication cookie
/// uint32    x11 screen number
/// </code>
/// </summary>
public sealed class X11RequestDetails : ChannelRequestDetails
{
    public bool SingleConnection { get; init; }
    public required string AuthenticationProtocol { get; init; }

    /// <summary>The cookie as sent: OpenSSH sends it as lower-case hex text.</summary>
    public required string AuthenticationCookie { get; init; }
    public uint ScreenNumber { get; init; }

    public static X11RequestDetails Read(ref SshReader reader) => new()
    {
        SingleConnection = reader.ReadBoolean(),
        AuthenticationProtocol = reader.ReadUtf8(256),
        AuthenticationCookie = reader.ReadUtf8(1024),
        ScreenNumber = reader.ReadUInt32(),
    };

    public override void Write(ref SshWriter writer)
    {
        writer.WriteBoolean(SingleConnection);
        writer.WriteString(AuthenticationProtocol);
        writer.WriteString(AuthenticationCookie);
        writer.WriteUInt32(ScreenNumber);
    }

    public override string ToString() => $"x11-req {AuthenticationProtocol} screen {ScreenNumber}";
}

/// <summary>
/// "env" (RFC 4254 §6.4).
/// <code>
/// string    variable name
/// string    variable value
/// </code>
/// </summary>
public sealed class EnvRequestDetails : ChannelRequestDetails
{
    public required string Name { get; init; }
    public required string Value { get; init; }

    public static EnvRequestDetails Read(ref SshReader reader) => new()
    {
        Name = reader.ReadUtf8(1024),
        Value = reader.ReadUtf8(SshReader.DefaultMaxString),
    };

    public override void Write(ref SshWriter writer)
    {
        writer.WriteString(Name);
        writer.WriteString(Value);
    }
}

/// <summary>
/// "exec" and "subsystem" (RFC 4254 §6.5): one string, the command or the subsystem name.
/// <code>
/// string    command | subsystem name
/// </code>
/// </summary>
public sealed class CommandRequestDetails(string text) : ChannelRequestDetails
{
    public string Text { get; } = text;

    public override void Write(ref SshWriter writer) => writer.WriteString(Text);
}

/// <summary>
/// "window-change" (RFC 4254 §6.7).
/// <code>
/// uint32    terminal width, columns
/// uint32    terminal height, rows
/// uint32    terminal width, pixels
/// uint32    terminal height, pixels
/// </code>
/// </summary>
public sealed class WindowChangeRequestDetails : ChannelRequestDetails
{
    public uint Columns { get; init; }
    public uint Rows { get; init; }
    public uint WidthPixels { get; init; }
    public uint HeightPixels { get; init; }

    public static WindowChangeRequestDetails Read(ref SshReader reader) => new()
    {
        Columns = reader.ReadUInt32(),
        Rows = reader.ReadUInt32(),
        WidthPixels = reader.ReadUInt32(),
        HeightPixels = reader.ReadUInt32(),
    };

    public override void Write(ref SshWriter writer)
    {
        writer.WriteUInt32(Columns);
        writer.WriteUInt32(Rows);
        writer.WriteUInt32(WidthPixels);
        writer.WriteUInt32(HeightPixels);
    }
}

/// <summary>
/// "xon-xoff" (RFC 4254 §6.8).
/// <code>
/// boolean   client can do
/// </code>
/// </summary>
public sealed class XonXoffRequestDetails(bool clientCanDo) : ChannelRequestDetails
{
    public bool ClientCanDo { get; } = clientCanDo;

    public override void Write(ref SshWriter writer) => writer.WriteBoolean(ClientCanDo);
}

/// <summary>
/// "signal" (RFC 4254 §6.9).
/// <code>
/// string    signal name (without the "SIG" prefix)
/// </code>
/// </summary>
public sealed class SignalRequestDetails(string signalName) : ChannelRequestDetails
{
    public string SignalName { get; } = signalName;

    public override void Write(ref SshWriter writer) => writer.WriteString(SignalName);
}

/// <summary>
/// "exit-status" (RFC 4254 §6.10).
/// <code>
/// uint32    exit_status
/// </code>
/// </summary>
public sealed class ExitStatusRequestDetails(uint exitStatus) : ChannelRequestDetails
{
    public uint ExitStatus { get; } = exitStatus;

    public override void Write(ref SshWriter writer) => writer.WriteUInt32(ExitStatus);
}

/// <summary>
/// "exit-signal" (RFC 4254 §6.10).
/// <code>
/// string    signal name (without the "SIG" prefix)
/// boolean   core dumped
/// string    error message in ISO-10646 UTF-8 encoding
/// string    language tag [RFC3066]
/// </code>
/// </summary>
public sealed class ExitSignalRequestDetails : ChannelRequestDetails
{
    public required string SignalName { get; init; }
    public bool CoreDumped { get; init; }
    public string ErrorMessage { get; init; } = "";
    public string LanguageTag { get; init; } = "";

    public static ExitSignalRequestDetails Read(ref SshReader reader) => new()
    {
        SignalName = reader.ReadName(64),
        CoreDumped = reader.ReadBoolean(),
        ErrorMessage = reader.ReadUtf8(8192),
        LanguageTag = reader.ReadUtf8(256),
    };

    public override void Write(ref SshWriter writer)
    {
        writer.WriteString(SignalName);
        writer.WriteBoolean(CoreDumped);
        writer.WriteString(ErrorMessage);
        writer.WriteString(LanguageTag);
    }
}

/// <summary>The data of a request type we do not know, kept as bytes.</summary>
public sealed class RawChannelRequestDetails(ReadOnlyMemory<byte> data) : ChannelRequestDetails
{
    public ReadOnlyMemory<byte> Data { get; } = data;

    public override void Write(ref SshWriter writer) => writer.WriteRaw(Data.Span);
}
