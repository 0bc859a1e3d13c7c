using Hop.Ssh.Wire;

namespace Hop.Ssh.Sftp;

/// <summary>
/// File attributes, the ATTRS structure of draft-ietf-secsh-filexfer-02 §5:
/// <code>
/// uint32   flags
/// uint64   size            present if flags &amp; SSH_FILEXFER_ATTR_SIZE (0x01)
/// uint32   uid, gid        present if flags &amp; SSH_FILEXFER_ATTR_UIDGID (0x02)
/// uint32   permissions     present if flags &amp; SSH_FILEXFER_ATTR_PERMISSIONS (0x04)
/// uint32   atime, mtime    present if flags &amp; SSH_FILEXFER_ACMODTIME (0x08)
/// uint32   extended_count  present if flags &amp; SSH_FILEXFER_ATTR_EXTENDED (0x80000000)
///          string extended_type, string extended_data   (extended_count times)
/// </code>
/// A null property is absent on the wire.
/// </summary>
public sealed record SftpAttributes
{
    private const uint FlagSize = 0x01;
    private const uint FlagUidGid = 0x02;
    private const uint FlagPermissions = 0x04;
    private const uint FlagAcModTime = 0x08;
    private const uint FlagExtended = 0x80000000;
    private const int MaxExtended = 256;

    /// <summary>No attributes (flags 0).</summary>
    public static readonly SftpAttributes Empty = new();

    public ulong? Size { get; init; }
    public uint? Uid { get; init; }
    public uint? Gid { get; init; }

    /// <summary>st_mode: the type bits (S_IFMT) and the permission bits.</summary>
    public uint? Permissions { get; init; }

    public uint? AccessTime { get; init; }
    public uint? ModifyTime { get; init; }
    public IReadOnlyList<KeyValuePair<string, byte[]>>? Extended { get; init; }

    public bool IsDirectory => (Permissions & 0xF000) == 0x4000;
    public bool IsRegularFile => (Permissions & 0xF000) == 0x8000;
    public bool IsSymbolicLink => (Permissions & 0xF000) == 0xA000;

    public static SftpAttributes Read(ref SshReader reader)
    {
        uint flags = reader.ReadUInt32();
        ulong? size = (flags & FlagSize) != 0 ? reader.ReadUInt64() : null;
        uint? uid = null, gid = null;
        if ((flags & FlagUidGid) != 0)
        {
            uid = reader.ReadUInt32();
            gid = reader.ReadUInt32();
        }
        uint? perms = (flags & FlagPermissions) != 0 ? reader.ReadUInt32() : null;
        uint? atime = null, mtime = null;
        if ((flags & FlagAcModTime) != 0)
        {
            atime = reader.ReadUInt32();
            mtime = reader.ReadUInt32();
        }
        List<KeyValuePair<string, byte[]>>? extended = null;
        if ((flags & FlagExtended) != 0)
        {
            uint count = reader.ReadUInt32();
            if (count > MaxExtended) throw new SshProtocolException($"sftp: {count} extended attributes exceed the limit of {MaxExtended}");
            extended = new List<KeyValuePair<string, byte[]>>((int)count);
            for (uint i = 0; i < count; i++)
            {
                string type = SftpText.Decode(reader.ReadString(4096));
                extended.Add(new(type, reader.ReadString(64 * 1024).ToArray()));
            }
        }
        return new SftpAttributes { Size = size, Uid = uid, Gid = gid, Permissions = perms, AccessTime = atime, ModifyTime = mtime, Extended = extended };
    }

    public void Write(SshWriter writer)
    {
        uint flags = 0;
        if (Size is not null) flags |= FlagSize;
        if (Uid is not null && Gid is not null) flags |= FlagUidGid;
        if (Permissions is not null) flags |= FlagPermissions;
        if (AccessTime is not null && ModifyTime is not null) flags |= FlagAcModTime;
        if (Extended is { Count: > 0 }) flags |= FlagExtended;
        writer.WriteUInt32(flags);
        if (Size is { } size) writer.WriteUInt64(size);
        if ((flags & FlagUidGid) != 0)
        {
            writer.WriteUInt32(Uid!.Value);
            writer.WriteUInt32(Gid!.Value);
        }
        if (Permissions is { } perms) writer.WriteUInt32(perms);
        if ((flags & FlagAcModTime) != 0)
        {
            writer.WriteUInt32(AccessTime!.Value);
            writer.WriteUInt32(ModifyTime!.Value);
        }
        if ((flags & FlagExtended) != 0)
        {
            writer.WriteUInt32((uint)Extended!.Count);
            foreach (var (type, data) in Extended)
            {
                writer.WriteString(type);
                writer.WriteString(data);
            }
        }
    }
}

/// <summary>SFTP v3 file names are bytes; OpenSSH's servers pass them through, and we read them as UTF-8 (lenient: bad bytes become U+FFFD).</summary>
internal static class SftpText
{
    public const int MaxPath = 64 * 1024;

    public static string Decode(ReadOnlySpan<byte> bytes) => System.Text.Encoding.UTF8.GetString(bytes);
}
