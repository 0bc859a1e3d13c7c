using Hop.Ssh;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Tests.Wire;

public class SshReaderTests
{
    [Fact]
    public void RoundTripsEveryType()
    {
        using var buf = new SshBuffer();
        var w = buf.Writer;
        w.WriteByte(7);
        w.WriteBoolean(true);
        w.WriteUInt32(0xdeadbeef);
        w.WriteUInt64(0x0102030405060708);
        w.WriteString("héllo");
        w.WriteNameList(["a", "b-c@d"]);
        w.WriteMpint([0x80, 0x01]);
        w.WriteMpint([0x00, 0x00, 0x7f]);
        w.WriteMpint([]);

        var r = new SshReader(buf.WrittenSpan);
        Assert.Equal(7, r.ReadByte());
        Assert.True(r.ReadBoolean());
        Assert.Equal(0xdeadbeefu, r.ReadUInt32());
        Assert.Equal(0x0102030405060708ul, r.ReadUInt64());
        Assert.Equal("héllo", r.ReadUtf8());
        Assert.Equal(["a", "b-c@d"], r.ReadNameList());
        Assert.Equal(new byte[] { 0x80, 0x01 }, r.ReadMpintUnsigned().ToArray());
        Assert.Equal(new byte[] { 0x7f }, r.ReadMpintUnsigned().ToArray());
        Assert.Empty(r.ReadMpintUnsigned().ToArray());
        r.EnsureEnd();
    }

    [Fact]
    public void MpintWithHighBitGetsSignByte()
    {
        using var buf = new SshBuffer();
        var w = buf.Writer;
        w.WriteMpint([0x80]);
        Assert.Equal(new byte[] { 0, 0, 0, 2, 0, 0x80 }, buf.ToArray());
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0 })]
    [InlineData(new byte[] { 0, 0, 0, 9, 1 })]
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0xff, 1 })]
    public void TruncatedStringThrows(byte[] data)
    {
        Assert.Throws<SshProtocolException>(() => new SshReader(data).ReadString());
    }

    [Fact]
    public void StringOverLimitThrows()
    {
        byte[] data = [0, 0, 0, 5, 1, 2, 3, 4, 5];
        Assert.Throws<SshProtocolException>(() => new SshReader(data).ReadString(4));
    }

    [Fact]
    public void NegativeOrPaddedMpintThrows()
    {
        Assert.Throws<SshProtocolException>(() => new SshReader([0, 0, 0, 1, 0x80]).ReadMpintUnsigned());
        Assert.Throws<SshProtocolException>(() => new SshReader([0, 0, 0, 2, 0, 0x01]).ReadMpintUnsigned());
    }

    [Fact]
    public void TrailingBytesRejected()
    {
        var ex = Assert.Throws<SshProtocolException>(() =>
        {
            var r = new SshReader([1, 2]);
            r.ReadByte();
            r.EnsureEnd();
        });
        Assert.Contains("trailing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NameListRejectsEmptyNamesAndControlCharacters()
    {
        Assert.Throws<SshProtocolException>(() => new SshReader([0, 0, 0, 3, (byte)'a', (byte)',', (byte)',']).ReadNameList());
        Assert.Throws<SshProtocolException>(() => new SshReader([0, 0, 0, 2, (byte)'a', 0]).ReadNameList());
    }
}
