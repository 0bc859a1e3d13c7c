using Hop.Ssh.Wire;

namespace Hop.Ssh.Sftp;

// Server-to-client messages of draft-ietf-secsh-filexfer-02 §4 and §7, each without the leading
// uint32 length: byte type, uint32 request-id (except VERSION), then the fields.

/// <summary>SSH_FXP_VERSION: <c>byte 2, uint32 version, (string extension-name, string extension-data)*</c>.</summary>
public sealed record SftpVersion(uint Version, IReadOnlyList<KeyValuePair<string, string>> Extensions)
{
    private const int MaxExtensions = 128;

    public void Write(SshWriter w)
    {
        w.WriteByte(SftpPacketType.Version);
        w.WriteUInt32(Version);
        foreach (var (name, data) in Extensions)
        {
            w.WriteString(name);
            w.WriteString(data);
        }
    }

    public static SftpVersion Read(ref SshReader r)
    {
        SftpWire.Expect(ref r, SftpPacketType.Version);
        uint version = r.ReadUInt32();
        var extensions = new List<KeyValuePair<string, string>>();
        while (!r.IsAtEnd)
        {
            if (extensions.Count == MaxExtensions) throw new SshProtocolException($"sftp: more than {MaxExtensions} extensions in VERSION");
            string name = SftpText.Decode(r.ReadString(1024));
            extensions.Add(new(name, SftpText.Decode(r.ReadString(4096))));
        }
        return new SftpVersion(version, extensions);
    }
}

/// <summary>SSH_FXP_STATUS: <c>byte 101, uint32 id, uint32 error/status code, string error message, string language tag</c> (the last two are absent from some old servers).</summary>
public readonly record struct SftpStatus(uint Id, SftpStatusCode Code, string Message, string Language)
{
    public void Write(SshWriter w)
    {
        w.WriteByte(SftpPacketType.Status);
        w.WriteUInt32(Id);
        w.WriteUInt32((uint)Code);
        w.WriteString(Message);
        w.WriteString(Language);
    }

    public static SftpStatus Read(ref SshReader r)
    {
        SftpWire.Expect(ref r, SftpPacketType.Status);
        return ReadBody(ref r, r.ReadUInt32());
    }

    /// <summary>The fields after the request id.</summary>
    internal static SftpStatus ReadBody(ref SshReader r, uint id)
    {
        var code = (SftpStatusCode)r.ReadUInt32();
        string message = r.IsAtEnd ? "" : SftpText.Decode(r.ReadString(8192));
        string language = r.IsAtEnd ? "" : SftpText.Decode(r.ReadString(256));
        return new SftpStatus(id, code, message, language);
    }

    public SftpException ToException() => new(Code, Message);
}

/// <summary>SSH_FXP_HANDLE: <c>byte 102, uint32 id, string handle</c>.</summary>
public readonly record struct SftpHandle(uint Id, ReadOnlyMemory<byte> Handle)
{
    public void Write(SshWriter w)
    {
        w.WriteByte(SftpPacketType.Handle);
        w.WriteUInt32(Id);
        w.WriteString(Handle.Span);
    }

    public static SftpHandle Read(ref SshReader r)
    {
        SftpWire.Expect(ref r, SftpPacketType.Handle);
        return new SftpHandle(r.ReadUInt32(), r.ReadString(SftpWire.MaxHandle).ToArray());
    }
}

/// <summary>SSH_FXP_DATA: <c>byte 103, uint32 id, string data</c>. The client copies data straight into the reader's buffer instead.</summary>
public readonly record struct SftpData(uint Id, ReadOnlyMemory<byte> Data)
{
    public void Write(SshWriter w)
    {
        w.WriteByte(SftpPacketType.Data);
        w.WriteUInt32(Id);
        w.WriteString(Data.Span);
    }

    public static SftpData Read(ref SshReader r)
    {
        SftpWire.Expect(ref r, SftpPacketType.Data);
        return new SftpData(r.ReadUInt32(), r.ReadString(SftpLimitsDefaults.MaxIncomingPacket).ToArray());
    }
}

/// <summary>One entry of SSH_FXP_NAME: the file name, the `ls -l` line the server made, and the attributes.</summary>
public sealed record SftpDirectoryEntry(string Name, string LongName, SftpAttributes Attributes);

/// <summary>SSH_FXP_NAME: <c>byte 104, uint32 id, uint32 count, (string filename, string longname, ATTRS attrs)*count</c>.</summary>
public sealed record SftpName(uint Id, IReadOnlyList<SftpDirectoryEntry> Entries)
{
    private const int MaxEntries = 100_000;

    public void Write(SshWriter w)
    {
        w.WriteByte(SftpPacketType.Name);
        w.WriteUInt32(Id);
        w.WriteUInt32((uint)Entries.Count);
        foreach (var e in Entries)
        {
            w.WriteString(e.Name);
            w.WriteString(e.LongName);
            e.Attributes.Write(w);
        }
    }

    public static SftpName Read(ref SshReader r)
    {
        SftpWire.Expect(ref r, SftpPacketType.Name);
        return ReadBody(ref r, r.ReadUInt32());
    }

    internal static SftpName ReadBody(ref SshReader r, uint id)
    {
        uint count = r.ReadUInt32();
        // Each entry takes at least 12 bytes, so a count beyond what is left is a lie.
        if (count > MaxEntries || count > r.Remaining / 12) throw new SshProtocolException($"sftp: NAME claims {count} entries in {r.Remaining} bytes");
        var entries = new SftpDirectoryEntry[count];
        for (int i = 0; i < entries.Length; i++)
        {
            string name = SftpText.Decode(r.ReadString(SftpText.MaxPath));
            string longName = SftpText.Decode(r.ReadString(SftpText.MaxPath));
            entries[i] = new SftpDirectoryEntry(name, longName, SftpAttributes.Read(ref r));
        }
        return new SftpName(id, entries);
    }
}

/// <summary>SSH_FXP_ATTRS: <c>byte 105, uint32 id, ATTRS attrs</c>.</summary>
public sealed record SftpAttrsReply(uint Id, SftpAttributes Attributes)
{
    public void Write(SshWriter w)
    {
        w.WriteByte(SftpPacketType.Attrs);
        w.WriteUInt32(Id);
        Attributes.Write(w);
    }

    public static SftpAttrsReply Read(ref SshReader r)
    {
        SftpWire.Expect(ref r, SftpPacketType.Attrs);
        return new SftpAttrsReply(r.ReadUInt32(), SftpAttributes.Read(ref r));
    }
}

/// <summary>
/// The reply to limits@openssh.com (SSH_FXP_EXTENDED_REPLY):
/// <c>uint64 max-packet-length, uint64 max-read-length, uint64 max-write-length, uint64 max-open-handles</c>; 0 means no limit.
/// </summary>
public readonly record struct SftpLimits(ulong MaxPacketLength, ulong MaxReadLength, ulong MaxWriteLength, ulong MaxOpenHandles)
{
    public void Write(SshWriter w)
    {
        w.WriteUInt64(MaxPacketLength);
        w.WriteUInt64(MaxReadLength);
        w.WriteUInt64(MaxWriteLength);
        w.WriteUInt64(MaxOpenHandles);
    }

    public static SftpLimits Read(ref SshReader r) => new(r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64());
}

/// <summary>
/// The reply to statvfs@openssh.com (SSH_FXP_EXTENDED_REPLY), struct statvfs as eleven uint64:
/// <c>f_bsize, f_frsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree, f_favail, f_fsid, f_flag, f_namemax</c>.
/// </summary>
public readonly record struct SftpStatVfs(ulong BlockSize, ulong FragmentSize, ulong Blocks, ulong FreeBlocks, ulong AvailableBlocks,
    ulong Files, ulong FreeFiles, ulong AvailableFiles, ulong FileSystemId, ulong Flags, ulong MaxNameLength)
{
    public void Write(SshWriter w)
    {
        foreach (ulong v in (ReadOnlySpan<ulong>)[BlockSize, FragmentSize, Blocks, FreeBlocks, AvailableBlocks, Files, FreeFiles, AvailableFiles, FileSystemId, Flags, MaxNameLength])
            w.WriteUInt64(v);
    }

    public static SftpStatVfs Read(ref SshReader r) => new(r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(),
        r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64());
}
