using Hop.Ssh.Config;

namespace Hop.Ssh.Tests.Config;

/// <summary>StreamLocalBindMask, StreamLocalBindUnlink, BindInterface and IPQoS, read and checked as OpenSSH 9.2 reads them.</summary>
public class SocketKeywordsTests : ConfigTestBase
{
    [Fact]
    public void Defaults_are_those_of_this_ssh()
    {
        var c = Resolve("h", "");
        Assert.Equal(0x7f, c.StreamLocalBindMask);
        Assert.False(c.StreamLocalBindUnlink);
        Assert.Null(c.BindInterface);
        Assert.Equal((0x10, 0x08), (c.IpQosInteractive, c.IpQosBulk));
        Assert.Empty(c.UnsupportedKeywords);
    }

    [Theory]
    [InlineData("0111", 0x49)]
    [InlineData("22", 0x12)]
    [InlineData("0", 0)]
    [InlineData("777", 0x1ff)]
    [InlineData("017x", 0xf)]
    [InlineData("-0", 0)]
    public void StreamLocalBindMask_is_octal_as_strtol_reads_it(string text, int mask) =>
        Assert.Equal(mask, Resolve("h", $"StreamLocalBindMask {text}\n").StreamLocalBindMask);

    [Theory]
    [InlineData("StreamLocalBindMask 1000\n", "line 1: Bad mask.")]
    [InlineData("StreamLocalBindMask 8\n", "line 1: Bad mask.")]
    [InlineData("StreamLocalBindMask -1\n", "line 1: Bad mask.")]
    [InlineData("StreamLocalBindMask 022 033\n", "line 1: keyword streamlocalbindmask extra arguments at end of line")]
    [InlineData("IPQoS 256\n", "line 1: Bad IPQoS value: 256")]
    [InlineData("IPQoS ef foo\n", "line 1: Bad IPQoS value: foo")]
    [InlineData("IPQoS 0xg\n", "line 1: Bad IPQoS value: 0xg")]
    [InlineData("IPQoS ef ef ef\n", "line 1: keyword ipqos extra arguments at end of line")]
    [InlineData("BindInterface lo eth0\n", "line 1: keyword bindinterface extra arguments at end of line")]
    [InlineData("StreamLocalBindUnlink maybe\n", "line 1: unsupported option \"maybe\".")]
    public void Bad_values_are_refused_with_ssh_s_message(string text, string message)
    {
        var e = Assert.Throws<SshConfigException>(() => Resolve("h", text));
        Assert.EndsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_last_StreamLocalBindMask_read_wins_matching_or_not_as_in_ssh()
    {
        // OpenSSH sets the mask from every line it reads, so a later inactive block overrides -o and the first match.
        var c = Resolve("h", "Host h\n StreamLocalBindMask 0111\nHost other\n StreamLocalBindMask 022\n", "StreamLocalBindMask=0");
        Assert.Equal(0x12, c.StreamLocalBindMask);
        Assert.Equal(0, Resolve("h", "", "StreamLocalBindMask=0").StreamLocalBindMask);
    }

    [Theory]
    [InlineData("af11", 0x28, 0x28)]
    [InlineData("AF12 cs7", 0x30, 0xe0)]
    [InlineData("le reliability", 0x04, 0x04)]
    [InlineData("16 0x08", 0x10, 0x08)]
    [InlineData("010 255", 0x08, 0xff)]
    [InlineData("none", IpQos.None, IpQos.None)]
    [InlineData("cs1 none", 0x20, IpQos.None)]
    public void IPQoS_takes_names_and_numbers(string text, int interactive, int bulk)
    {
        var c = Resolve("h", $"IPQoS {text}\n");
        Assert.Equal((interactive, bulk), (c.IpQosInteractive, c.IpQosBulk));
    }

    [Theory]
    [InlineData(0x04, "le")]
    [InlineData(0x00, "cs0")]
    [InlineData(0x10, "lowdelay")]
    [InlineData(0x07, "0x07")]
    [InlineData(IpQos.None, "none")]
    public void IPQoS_prints_as_ssh_G_prints_it(int value, string text) => Assert.Equal(text, IpQos.Format(value));
}
