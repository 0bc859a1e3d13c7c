using Hop.Ssh.Wire;

namespace Hop.Ssh.Sftp;

// Client-to-server messages of draft-ietf-secsh-filexfer-02 §4–§8. Each is written without the
// leading uint32 length (the framer adds it): byte type, uint32 request-id, then the fields.
// Read takes the same bytes (type included) and is used by tests and in-memory servers.

/// <summary>SSH_FXP_INIT: <c>byte 1, uint32 version</c> (no request id; extensions are never sent by a v3 client).</summary>
public readonly record struct SftpInit(uint Version)
{
    public void Write(SshWriter w)
    {
        w.WriteByte(SftpPacketType.Init);
        w.WriteUInt32(Version);
    }

    public static SftpInit Read(ref SshReader r)
    {
        SftpWire.Expect(ref r, SftpPacketType.Init);
        return new SftpInit(r.ReadUInt32());
    }
}

/// <summary>
/// A request that names one path: <c>byte type, uint32 id, string path</c> — SSH_FXP_OPENDIR, REMOVE,
/// RMDIR, REALPATH, STAT, LSTAT, READLINK.
/// </summary>
public readonly record struct SftpPathRequest(byte Type, uint Id, string Path)
{
    public void Write(SshWriter w)
    {
        w.WriteByte(Type);
        w.WriteUInt32(Id);
        w.WriteString(Path);
    }

    public static SftpPathRequest Read(ref SshReader r)
    {
        byte type = r.ReadByte();
        return new SftpPathRequest(type, r.ReadUInt32(), SftpText.Decode(r.ReadString(SftpText.MaxPath)));
    }
}

/// <summary>A request on an open handle: <c>byte type, uint32 id, string handle</c> — SSH_FXP_CLOSE, FSTAT, READDIR.</summary>
public readonly record struct SftpHandleRequest(byte Type, uint Id, ReadOnlyMemory<byte> Handle)
{
    public void Write(SshWriter w)
    {
        w.WriteByte(Type);
        w.WriteUInt32(Id);
        w.WriteString(Handle.Span);
    }

    public static SftpHandleRequest Read(ref SshReader r)
    {
        byte type = r.ReadByte();
        return new SftpHandleRequest(type, r.ReadUInt32(), r.ReadString(SftpWire.MaxHandle).ToArray());
    }
}

/// <summary>SSH_FXP_OPEN: <c>byte 3, uint32 id, string filename, uint32 pflags, ATTRS attrs</c>.</summary>
public readonly record struct SftpOpenRequest(uint Id, string Path, SftpOpenFlags Flags, SftpAttributes Attributes)
{
    public void Write(SshWriter w)
    {
        w.WriteByte(SftpPacketType.Open);
        w.WriteUInt32(Id);
        w.WriteString(Path);
        w.WriteUInt32((uint)Flags);
        Attributes.Write(w);
    }

    public static SftpOpenRequest Read(ref SshReader r)
    {
        SftpWire.Expect(ref r, SftpPacketType.Open);
        return new SftpOpenRequest(r.ReadUInt32(), SftpText.Decode(r.ReadString(SftpText.MaxPath)), (SftpOpenFlags)r.ReadUInt32(), SftpAttributes.Read(ref r));
    }
}

/// <summary>SSH_FXP_READ: <c>byte 5, uint32 id, string handle, uint64 offset, uint32 len</c>.</summary>
public readonly record struct SftpReadRequest(uint Id, ReadOnlyMemory<byte> Handle, ulong Offset, uint Length)
{
    public void Write(SshWriter w)
    {
        w.WriteByte(SftpPacketType.Read);
        w.WriteUInt32(Id);
        w.WriteString(Handle.Span);
        w.WriteUInt64(Offset);
        w.WriteUInt32(Length);
    }

    public static SftpReadRequest Read(ref SshReader r)
    {
        SftpWire.Expect(ref r, SftpPacketType.Read);
        return new SftpReadRequest(r.ReadUInt32(), r.ReadString(SftpWire.MaxHandle).ToArray(), r.ReadUInt64(), r.ReadUInt32());
    }
}

/// <summary>
/// SSH_FXP_WRITE: <c>byte 6, uint32 id, string handle, uint64 offset, string data</c>. The data is
/// written by the caller right after <see cref="WriteHeader"/> so it is copied once.
/// </summary>
public readonly record struct SftpWriteRequest(uint Id, ReadOnlyMemory<byte> Handle, ulong Offset, ReadOnlyMemory<byte> Data)
{
    public void Write(SshWriter w)
    {
        WriteHeader(w);
        w.WriteRaw(Data.Span);
    }

    /// <summary>Everything up to and including the data's length field.</summary>
    public void WriteHeader(SshWriter w)
    {
        w.WriteByte(SftpPacketType.Write);
        w.WriteUInt32(Id);
        w.WriteString(Handle.Span);
        w.WriteUInt64(Offset);
        w.WriteUInt32((uint)Data.Length);
    }

    public static SftpWriteRequest Read(ref SshReader r)
    {
        SftpWire.Expect(ref r, SftpPacketType.Write);
        return new SftpWriteRequest(r.ReadUInt32(), r.ReadString(SftpWire.MaxHandle).ToArray(), r.ReadUInt64(), r.ReadString(SftpLimitsDefaults.MaxIncomingPacket).ToArray());
    }
}

/// <summary>A path with attributes: <c>byte type, uint32 id, string path, ATTRS attrs</c> — SSH_FXP_SETSTAT, MKDIR.</summary>
public readonly record struct SftpPathAttributesRequest(byte Type, uint Id, string Path, SftpAttributes Attributes)
{
    public void Write(SshWriter w)
    {
        w.WriteByte(Type);
        w.WriteUInt32(Id);
        w.WriteString(Path);
        Attributes.Write(w);
    }

    public static SftpPathAttributesRequest Read(ref SshReader r)
    {
        byte type = r.ReadByte();
        return new SftpPathAttributesRequest(type, r.ReadUInt32(), SftpText.Decode(r.ReadString(SftpText.MaxPath)), SftpAttributes.Read(ref r));
    }
}

/// <summary>SSH_FXP_FSETSTAT: <c>byte 10, uint32 id, string handle, ATTRS attrs</c>.</summary>
public readonly record struct SftpFSetStatRequest(uint Id, ReadOnlyMemory<byte> Handle, SftpAttributes Attributes)
{
    public void Write(SshWriter w)
    {
        w.WriteByte(SftpPacketType.Fsetstat);
        w.WriteUInt32(Id);
        w.WriteString(Handle.Span);
        Attributes.Write(w);
    }

    public static SftpFSetStatRequest Read(ref SshReader r)
    {
        SftpWire.Expect(ref r, SftpPacketType.Fsetstat);
        return new SftpFSetStatRequest(r.ReadUInt32(), r.ReadString(SftpWire.MaxHandle).ToArray(), SftpAttributes.Read(ref r));
    }
}

/// <summary>
/// Two paths: <c>byte type, uint32 id, string first, string second</c> — SSH_FXP_RENAME (oldpath,
/// newpath) and SSH_FXP_SYMLINK. For SYMLINK, OpenSSH sends the target first and the link path
/// second (the reverse of the draft's order), and every OpenSSH server expects that; so do we.
/// </summary>
public readonly record struct SftpTwoPathRequest(byte Type, uint Id, string First, string Second)
{
    public void Write(SshWriter w)
    {
        w.WriteByte(Type);
        w.WriteUInt32(Id);
        w.WriteString(First);
        w.WriteString(Second);
    }

    public static SftpTwoPathRequest Read(ref SshReader r)
    {
        byte type = r.ReadByte();
        return new SftpTwoPathRequest(type, r.ReadUInt32(), SftpText.Decode(r.ReadString(SftpText.MaxPath)), SftpText.Decode(r.ReadString(SftpText.MaxPath)));
    }
}

/// <summary>SSH_FXP_EXTENDED: <c>byte 200, uint32 id, string extended-request, ...request-specific data</c>.</summary>
public readonly record struct SftpExtendedRequest(uint Id, string Name, ReadOnlyMemory<byte> Payload)
{
    public void Write(SshWriter w)
    {
        w.WriteByte(SftpPacketType.Extended);
        w.WriteUInt32(Id);
        w.WriteString(Name);
        w.WriteRaw(Payload.Span);
    }

    public static SftpExtendedRequest Read(ref SshReader r)
    {
        SftpWire.Expect(ref r, SftpPacketType.Extended);
        uint id = r.ReadUInt32();
        string name = SftpText.Decode(r.ReadString(256));
        return new SftpExtendedRequest(id, name, r.RemainingSpan.ToArray());
    }
}

internal static class SftpWire
{
    /// <summary>Handles are at most 256 bytes (draft-ietf-secsh-filexfer-02 §6.2).</summary>
    public const int MaxHandle = 256;

    public static void Expect(ref SshReader r, byte type)
    {
        byte got = r.ReadByte();
        if (got != type) throw new SshProtocolException($"sftp: expected packet type {type}, got {got}");
    }
}
