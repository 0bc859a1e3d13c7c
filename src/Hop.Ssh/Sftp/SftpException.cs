namespace Hop.Ssh.Sftp;

/// <summary>
/// An SSH_FXP_STATUS other than OK for one request. <see cref="Exception.Message"/> is the text
/// OpenSSH's sftp would print for the code ("No such file or directory", "Permission denied", ...);
/// <see cref="ServerMessage"/> is what the server said.
/// </summary>
public sealed class SftpException : SshException
{
    public SftpException() { }
    public SftpException(string message) : base(message) { }
    public SftpException(string message, Exception inner) : base(message, inner) { }

    public SftpException(SftpStatusCode code, string serverMessage)
        : base(Describe(code, serverMessage))
    {
        Code = code;
        ServerMessage = serverMessage;
    }

    public SftpStatusCode Code { get; }
    public string ServerMessage { get; } = "";

    /// <summary>OpenSSH's fx2txt() wording for the standard codes; the server's text for others.</summary>
    public static string Describe(SftpStatusCode code, string serverMessage) => code switch
    {
        SftpStatusCode.Ok => "No error",
        SftpStatusCode.Eof => "End of file",
        SftpStatusCode.NoSuchFile => "No such file or directory",
        SftpStatusCode.PermissionDenied => "Permission denied",
        SftpStatusCode.Failure => "Failure",
        SftpStatusCode.BadMessage => "Bad message",
        SftpStatusCode.NoConnection => "No connection",
        SftpStatusCode.ConnectionLost => "Connection lost",
        SftpStatusCode.OpUnsupported => "Operation unsupported",
        _ => serverMessage.Length > 0 ? serverMessage : $"Unknown status {(uint)code}",
    };
}
