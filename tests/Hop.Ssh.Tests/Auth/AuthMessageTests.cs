using Hop.Ssh.Auth;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Tests.Auth;

public class AuthMessageTests
{
    private static byte[] Write(AuthBannerMessage m)
    {
        using var buffer = new SshBuffer();
        var w = buffer.Writer;
        m.Write(ref w);
        return buffer.ToArray();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(100_000)]
    public void BannerRoundTripsAtAnySizeAPacketHolds(int size)
    {
        // sshd sends its Banner file whole (OpenSSH's regress/banner.sh goes to 100 000 bytes).
        var text = new string('b', size);
        var bytes = Write(new AuthBannerMessage(text));
        Assert.Equal(53, bytes[0]);
        Assert.Equal(text, AuthBannerMessage.Read(bytes).Message);
    }

    [Fact]
    public void BannerLongerThanItsPacketIsRefused()
    {
        var bytes = Write(new AuthBannerMessage("banner"));
        bytes[4] = 0x7f; // the length's low bytes now claim far more than follows
        Assert.Throws<SshProtocolException>(() => AuthBannerMessage.Read(bytes));
    }

    private static byte[] Write(AuthPasswdChangeReqMessage m)
    {
        using var buffer = new SshBuffer();
        var w = buffer.Writer;
        m.Write(ref w);
        return buffer.ToArray();
    }

    [Fact]
    public void PasswdChangeReqRoundTripsWithRfc4252Layout()
    {
        var bytes = Write(new AuthPasswdChangeReqMessage("Password expired \u00e9", "en-US"));
        // byte 60, string prompt (UTF-8), string language tag
        Assert.Equal(60, bytes[0]);
        Assert.Equal(new byte[] { 0, 0, 0, 19 }, bytes[1..5]);
        Assert.Equal(1 + 4 + 19 + 4 + 5, bytes.Length);
        var m = AuthPasswdChangeReqMessage.Read(bytes);
        Assert.Equal("Password expired \u00e9", m.Prompt);
        Assert.Equal("en-US", m.Language);
    }

    [Fact]
    public void PasswdChangeReqPromptIsBounded()
    {
        var atLimit = Write(new AuthPasswdChangeReqMessage(new string('p', AuthPasswdChangeReqMessage.MaxPromptLength), ""));
        Assert.Equal(AuthPasswdChangeReqMessage.MaxPromptLength, AuthPasswdChangeReqMessage.Read(atLimit).Prompt.Length);
        var over = Write(new AuthPasswdChangeReqMessage(new string('p', AuthPasswdChangeReqMessage.MaxPromptLength + 1), ""));
        Assert.Throws<SshProtocolException>(() => AuthPasswdChangeReqMessage.Read(over));
        var longLanguage = Write(new AuthPasswdChangeReqMessage("p", new string('l', AuthPasswdChangeReqMessage.MaxLanguageLength + 1)));
        Assert.Throws<SshProtocolException>(() => AuthPasswdChangeReqMessage.Read(longLanguage));
    }

    [Fact]
    public void MalformedPasswdChangeReqIsRefused()
    {
        var bytes = Write(new AuthPasswdChangeReqMessage("Change it", "en"));
        // Cut anywhere short of the end, one byte too many, a length claiming more than follows,
        // invalid UTF-8 in the prompt, another message number: each a protocol error.
        for (int n = 0; n < bytes.Length; n++)
        {
            var cut = bytes[..n];
            Assert.Throws<SshProtocolException>(() => AuthPasswdChangeReqMessage.Read(cut));
        }
        Assert.Throws<SshProtocolException>(() => AuthPasswdChangeReqMessage.Read([.. bytes, 0]));
        var longer = (byte[])bytes.Clone();
        longer[3] = 1;
        Assert.Throws<SshProtocolException>(() => AuthPasswdChangeReqMessage.Read(longer));
        var badUtf8 = (byte[])bytes.Clone();
        badUtf8[5] = 0xff;
        Assert.Throws<SshProtocolException>(() => AuthPasswdChangeReqMessage.Read(badUtf8));
        var other = (byte[])bytes.Clone();
        other[0] = AuthMessageNumbers.Failure;
        Assert.Throws<SshProtocolException>(() => AuthPasswdChangeReqMessage.Read(other));
    }

    [Theory]
    [InlineData("hoptest", 30, "hoptest")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789", 30, "abcdefghijklmnopqrstuvwxyz0123")]
    [InlineData("\u00e9\u00e9\u00e9", 5, "\u00e9\u00e9")] // two bytes each: a third would need 6
    [InlineData("a\U0001F600b", 4, "a")] // a four-byte letter is kept whole or not at all
    [InlineData("", 30, "")]
    public void PromptNamesAreClippedToUtf8BytesAsSshsPrecisions(string s, int max, string expected) =>
        Assert.Equal(expected, UserAuthentication.ClipUtf8(s, max));
}
