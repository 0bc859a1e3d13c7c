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
}
