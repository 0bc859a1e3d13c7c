using System.Buffers.Binary;
using System.Text;
using Hop.Ssh;
using Hop.Ssh.Client.X11;

namespace Hop.Interop.Tests.X11;

/// <summary>The cookie check and swap on an X11 connection setup, in both byte orders.</summary>
public class X11ConnectionSetupTests
{
    private static byte[] Setup(bool bigEndian, string name, byte[] data)
    {
        int Pad(int n) => (n + 3) & ~3;
        var b = new byte[12 + Pad(name.Length) + Pad(data.Length)];
        b[0] = bigEndian ? (byte)'B' : (byte)'l';
        void U16(int at, int v)
        {
            if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(at), (ushort)v);
            else BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(at), (ushort)v);
        }
        U16(2, 11);
        U16(6, name.Length);
        U16(8, data.Length);
        Encoding.ASCII.GetBytes(name).CopyTo(b, 12);
        data.CopyTo(b, 12 + Pad(name.Length));
        return b;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FakeCookieIsReplacedByTheRealOne(bool bigEndian)
    {
        var fake = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();
        var real = Enumerable.Range(100, 16).Select(i => (byte)i).ToArray();
        var s = Setup(bigEndian, "MIT-MAGIC-COOKIE-1", fake);
        Assert.Equal(s.Length, X11ConnectionSetup.TotalLength(s.AsSpan(0, 12)));
        Assert.True(X11ConnectionSetup.TryReplaceCookie(s, "MIT-MAGIC-COOKIE-1", fake, real));
        Assert.Equal(Setup(bigEndian, "MIT-MAGIC-COOKIE-1", real), s);
    }

    [Fact]
    public void WrongCookieWrongProtocolOrShortSetupIsRefused()
    {
        var fake = new byte[16];
        fake[0] = 1;
        var real = new byte[16];
        var other = new byte[16];
        Assert.False(X11ConnectionSetup.TryReplaceCookie(Setup(false, "MIT-MAGIC-COOKIE-1", other), "MIT-MAGIC-COOKIE-1", fake, real));
        Assert.False(X11ConnectionSetup.TryReplaceCookie(Setup(false, "XDM-AUTHORIZATION-1", fake), "MIT-MAGIC-COOKIE-1", fake, real));
        Assert.False(X11ConnectionSetup.TryReplaceCookie(Setup(false, "", []), "MIT-MAGIC-COOKIE-1", fake, real));
        var s = Setup(false, "MIT-MAGIC-COOKIE-1", fake);
        Assert.False(X11ConnectionSetup.TryReplaceCookie(s.AsSpan(0, s.Length - 1), "MIT-MAGIC-COOKIE-1", fake, real));
        Assert.Throws<SshProtocolException>(() => X11ConnectionSetup.TotalLength(new byte[12]));
    }

    [Theory]
    [InlineData(":0", null, 0, 0u)]
    [InlineData(":12.1", null, 12, 1u)]
    [InlineData("unix:3", null, 3, 0u)]
    [InlineData("localhost:10.0", "localhost", 10, 0u)]
    [InlineData("example.org:2", "example.org", 2, 0u)]
    public void DisplayNamesParse(string name, string? host, int number, uint screen)
    {
        var d = X11Display.Parse(name);
        Assert.NotNull(d);
        Assert.Equal(host, d.Host);
        Assert.Equal(number, d.Number);
        Assert.Equal(screen, d.Screen);
    }

    [Fact]
    public void LocalhostDisplayIsLookedUpUnderItsUnixName()
    {
        Assert.Equal("unix:10.0", X11Display.Parse("localhost:10.0")!.XAuthName);
        Assert.Null(X11Display.Parse("nodisplay"));
        Assert.Null(X11Display.Parse(""));
    }
}
