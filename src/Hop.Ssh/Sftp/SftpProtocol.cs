namespace Hop.Ssh.Sftp;

/// <summary>SFTP packet types (draft-ietf-secsh-filexfer-02 §3, protocol version 3).</summary>
public static class SftpPacketType
{
    public const byte Init = 1;
    public const byte Version = 2;
    public const byte Open = 3;
    public const byte Close = 4;
    public const byte Read = 5;
    public const byte Write = 6;
    public const byte Lstat = 7;
    public const byte Fstat = 8;
    public const byte Setstat = 9;
    public const byte Fsetstat = 10;
    public const byte Opendir = 11;
    public const byte Readdir = 12;
    public const byte Remove = 13;
    public const byte Mkdir = 14;
    public const byte Rmdir = 15;
    public const byte Realpath = 16;
    public const byte Stat = 17;
    public const byte Rename = 18;
    public const byte Readlink = 19;
    public const byte Symlink = 20;
    public const byte Status = 101;
    public const byte Handle = 102;
    public const byte Data = 103;
    public const byte Name = 104;
    public const byte Attrs = 105;
    public const byte Extended = 200;
    public const byte ExtendedReply = 201;
}

/// <summary>SSH_FX_* status codes (draft-ietf-secsh-filexfer-02 §7).</summary>
public enum SftpStatusCode : uint
{
    Ok = 0,
    Eof = 1,
    NoSuchFile = 2,
    PermissionDenied = 3,
    Failure = 4,
    BadMessage = 5,
    NoConnection = 6,
    ConnectionLost = 7,
    OpUnsupported = 8,
}

/// <summary>SSH_FXF_* flags of SSH_FXP_OPEN (draft-ietf-secsh-filexfer-02 §6.3).</summary>
[Flags]
public enum SftpOpenFlags : uint
{
    None = 0,
    Read = 0x01,
    Write = 0x02,
    Append = 0x04,
    Create = 0x08,
    Truncate = 0x10,
    Exclusive = 0x20,
}

/// <summary>The names of the OpenSSH extensions we use (OpenSSH PROTOCOL, §4 "SFTP protocol changes").</summary>
public static class SftpExtensionNames
{
    public const string PosixRename = "posix-rename@openssh.com";
    public const string StatVfs = "statvfs@openssh.com";
    public const string FStatVfs = "fstatvfs@openssh.com";
    public const string Hardlink = "hardlink@openssh.com";
    public const string Fsync = "fsync@openssh.com";
    public const string Limits = "limits@openssh.com";
}

/// <summary>Protocol facts shared by the client and its tests.</summary>
public static class SftpLimitsDefaults
{
    /// <summary>The version we speak (and OpenSSH does).</summary>
    public const uint ProtocolVersion = 3;

    /// <summary>
    /// The largest packet we accept. OpenSSH's sftp-server sends at most 256 KiB per message; the
    /// margin allows for other servers' headers; anything above is a protocol error.
    /// </summary>
    public const int MaxIncomingPacket = 256 * 1024 + 16 * 1024;

    /// <summary>The read and write sizes used when the server does not answer limits@openssh.com (draft: 32 KiB is safe everywhere).</summary>
    public const int FallbackChunk = 32 * 1024;

    /// <summary>The largest chunk we ask for even when the server allows more.</summary>
    public const int MaxChunk = 255 * 1024;
}
