using Hop.Ssh.Sftp;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Tests.Sftp;

/// <summary>Every SFTP message written and read back gives the same value and the same bytes.</summary>
public class SftpMessageTests
{
    private static readonly SftpAttributes Full = new()
    {
        Size = 1234567890123,
        Uid = 1000,
        Gid = 100,
        Permissions = 0x81ED,
        AccessTime = 1_700_000_000,
        ModifyTime = 1_700_000_001,
        Extended = [new("x@example.com", [1, 2, 3])],
    };

    private delegate T Reader<T>(ref SshReader r);

    private static byte[] Bytes(Action<SshWriter> write)
    {
        using var b = new SshBuffer();
        write(b.Writer);
        return b.ToArray();
    }

    private static T RoundTrip<T>(Action<SshWriter> write, Reader<T> read, Action<T, SshWriter> writeBack)
    {
        var bytes = Bytes(write);
        var r = new SshReader(bytes);
        var value = read(ref r);
        r.EnsureEnd();
        Assert.Equal(bytes, Bytes(w => writeBack(value, w)));
        return value;
    }

    [Fact]
    public void Requests()
    {
        Assert.Equal(3u, RoundTrip(new SftpInit(3).Write, SftpInit.Read, (v, w) => v.Write(w)).Version);
        var path = RoundTrip(new SftpPathRequest(SftpPacketType.Stat, 7, "/tmp/é x").Write, SftpPathRequest.Read, (v, w) => v.Write(w));
        Assert.Equal(("/tmp/é x", 7u, SftpPacketType.Stat), (path.Path, path.Id, path.Type));
        var handle = RoundTrip(new SftpHandleRequest(SftpPacketType.Close, 8, new byte[] { 9, 9 }).Write, SftpHandleRequest.Read, (v, w) => v.Write(w));
        Assert.Equal(new byte[] { 9, 9 }, handle.Handle.ToArray());
        var open = RoundTrip(new SftpOpenRequest(9, "/f", SftpOpenFlags.Write | SftpOpenFlags.Create, Full).Write, SftpOpenRequest.Read, (v, w) => v.Write(w));
        Assert.Equal(SftpOpenFlags.Write | SftpOpenFlags.Create, open.Flags);
        Assert.Equal(Full.Size, open.Attributes.Size);
        var read = RoundTrip(new SftpReadRequest(10, new byte[] { 1 }, 1UL << 40, 65536).Write, SftpReadRequest.Read, (v, w) => v.Write(w));
        Assert.Equal((1UL << 40, 65536u), (read.Offset, read.Length));
        var write = RoundTrip(new SftpWriteRequest(11, new byte[] { 1 }, 5, new byte[] { 4, 5, 6 }).Write, SftpWriteRequest.Read, (v, w) => v.Write(w));
        Assert.Equal(new byte[] { 4, 5, 6 }, write.Data.ToArray());
        var setstat = RoundTrip(new SftpPathAttributesRequest(SftpPacketType.Setstat, 12, "/d", new SftpAttributes { Permissions = 0x1ED }).Write, SftpPathAttributesRequest.Read, (v, w) => v.Write(w));
        Assert.Equal(0x1EDu, setstat.Attributes.Permissions);
        Assert.Null(setstat.Attributes.Size);
        RoundTrip(new SftpFSetStatRequest(13, new byte[] { 2 }, Full).Write, SftpFSetStatRequest.Read, (v, w) => v.Write(w));
        var rename = RoundTrip(new SftpTwoPathRequest(SftpPacketType.Rename, 14, "/a", "/b").Write, SftpTwoPathRequest.Read, (v, w) => v.Write(w));
        Assert.Equal(("/a", "/b"), (rename.First, rename.Second));
        var ext = RoundTrip(new SftpExtendedRequest(15, SftpExtensionNames.Limits, ReadOnlyMemory<byte>.Empty).Write, SftpExtendedRequest.Read, (v, w) => v.Write(w));
        Assert.Equal(SftpExtensionNames.Limits, ext.Name);
    }

    [Fact]
    public void Replies()
    {
        var version = RoundTrip(new SftpVersion(3, [new("posix-rename@openssh.com", "1"), new("statvfs@openssh.com", "2")]).Write, SftpVersion.Read, (v, w) => v.Write(w));
        Assert.Equal(2, version.Extensions.Count);
        var status = RoundTrip(new SftpStatus(1, SftpStatusCode.PermissionDenied, "Permission denied", "en").Write, SftpStatus.Read, (v, w) => v.Write(w));
        Assert.Equal("Permission denied", status.ToException().Message);
        RoundTrip(new SftpHandle(2, new byte[] { 0, 0, 0, 1 }).Write, SftpHandle.Read, (v, w) => v.Write(w));
        RoundTrip(new SftpData(3, new byte[100]).Write, SftpData.Read, (v, w) => v.Write(w));
        var name = RoundTrip(new SftpName(4, [new("a", "-rw-r--r-- 1 u g 0 Jan 1 a", Full), new("b", "", SftpAttributes.Empty)]).Write, SftpName.Read, (v, w) => v.Write(w));
        Assert.Equal(["a", "b"], name.Entries.Select(e => e.Name));
        Assert.True(name.Entries[0].Attributes.IsRegularFile);
        var attrs = RoundTrip(new SftpAttrsReply(5, Full).Write, SftpAttrsReply.Read, (v, w) => v.Write(w));
        Assert.Equal(Full.ModifyTime, attrs.Attributes.ModifyTime);
        Assert.Equal(new SftpLimits(1, 2, 3, 4), RoundTrip(new SftpLimits(1, 2, 3, 4).Write, SftpLimits.Read, (v, w) => v.Write(w)));
        var vfs = new SftpStatVfs(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        Assert.Equal(vfs, RoundTrip(vfs.Write, SftpStatVfs.Read, (v, w) => v.Write(w)));
    }

    [Fact]
    public void NameCountBeyondThePacketIsRejected()
    {
        var bytes = Bytes(w =>
        {
            w.WriteByte(SftpPacketType.Name);
            w.WriteUInt32(1);
            w.WriteUInt32(1_000_000);
        });
        Assert.Throws<SshProtocolException>(() =>
        {
            var r = new SshReader(bytes);
            SftpName.Read(ref r);
        });
    }
}
