using Hop.Ssh.Wire;

namespace Hop.Ssh.Connection.Messages;

/// <summary>
/// SSH_MSG_GLOBAL_REQUEST (RFC 4254 §4).
/// <code>
/// byte      SSH_MSG_GLOBAL_REQUEST (80)
/// string    request name in US-ASCII only
/// boolean   want reply
/// ....      request-specific data follows
/// </code>
/// The request-specific data is kept raw; <see cref="TcpipForwardRequest"/> reads and writes the
/// data of "tcpip-forward" and "cancel-tcpip-forward".
/// </summary>
public sealed class GlobalRequestMessage
{
    public const string TcpipForward = "tcpip-forward";
    public const string CancelTcpipForward = "cancel-tcpip-forward";
    public const string KeepaliveOpenSsh = "keepalive@openssh.com";
    public const string StreamlocalForward = "streamlocal-forward@openssh.com";
    public const string CancelStreamlocalForward = "cancel-streamlocal-forward@openssh.com";

    public required string RequestName { get; init; }
    public bool WantReply { get; init; }
    public ReadOnlyMemory<byte> RequestData { get; init; }

    public static GlobalRequestMessage Read(ref SshReader reader)
    {
        ConnectionMessageNumbers.Expect(ref reader, ConnectionMessageNumbers.GlobalRequest);
        string name = reader.ReadName(1024);
        bool wantReply = reader.ReadBoolean();
        byte[] data = reader.RemainingSpan.ToArray();
        return new GlobalRequestMessage { RequestName = name, WantReply = wantReply, RequestData = data };
    }

    public void Write(ref SshWriter writer)
    {
        writer.WriteByte(ConnectionMessageNumbers.GlobalRequest);
        writer.WriteString(RequestName);
        writer.WriteBoolean(WantReply);
        writer.WriteRaw(RequestData.Span);
    }
}

/// <summary>
/// The data of "tcpip-forward" and "cancel-tcpip-forward" (RFC 4254 §7.1).
/// <code>
/// string    address to bind (e.g., "0.0.0.0")
/// uint32    port number to bind
/// </code>
/// </summary>
public readonly record struct TcpipForwardRequest(string Address, uint Port)
{
    public static TcpipForwardRequest Read(ref SshReader reader)
    {
        string address = reader.ReadUtf8(1024);
        uint port = reader.ReadUInt32();
        reader.EnsureEnd();
        return new TcpipForwardRequest(address, port);
    }

    public void Write(ref SshWriter writer)
    {
        writer.WriteString(Address);
        writer.WriteUInt32(Port);
    }
}

/// <summary>
/// The data of "streamlocal-forward@openssh.com" and "cancel-streamlocal-forward@openssh.com"
/// (OpenSSH PROTOCOL §2.4).
/// <code>
/// string    socket path
/// </code>
/// </summary>
public readonly record struct StreamlocalForwardRequest(string SocketPath)
{
    public static StreamlocalForwardRequest Read(ref SshReader reader)
    {
        string path = reader.ReadUtf8(4096);
        reader.EnsureEnd();
        return new StreamlocalForwardRequest(path);
    }

    public void Write(ref SshWriter writer) => writer.WriteString(SocketPath);
}

/// <summary>
/// SSH_MSG_REQUEST_SUCCESS (RFC 4254 §4).
/// <code>
/// byte      SSH_MSG_REQUEST_SUCCESS (81)
/// ....     response specific data
/// </code>
/// For "tcpip-forward" with port 0 the data is "uint32 port that was bound on the server".
/// </summary>
public sealed class RequestSuccessMessage
{
    public ReadOnlyMemory<byte> ResponseData { get; init; }

    public static RequestSuccessMessage Read(ref SshReader reader)
    {
        ConnectionMessageNumbers.Expect(ref reader, ConnectionMessageNumbers.RequestSuccess);
        return new RequestSuccessMessage { ResponseData = reader.RemainingSpan.ToArray() };
    }

    public void Write(ref SshWriter writer)
    {
        writer.WriteByte(ConnectionMessageNumbers.RequestSuccess);
        writer.WriteRaw(ResponseData.Span);
    }
}

/// <summary>
/// SSH_MSG_REQUEST_FAILURE (RFC 4254 §4).
/// <code>
/// byte      SSH_MSG_REQUEST_FAILURE (82)
/// </code>
/// </summary>
public sealed class RequestFailureMessage
{
    public static RequestFailureMessage Read(ref SshReader reader)
    {
        ConnectionMessageNumbers.Expect(ref reader, ConnectionMessageNumbers.RequestFailure);
        reader.EnsureEnd();
        return new RequestFailureMessage();
    }

    public void Write(ref SshWriter writer) => writer.WriteByte(ConnectionMessageNumbers.RequestFailure);
}
