using Hop.Cli.Terminal;

namespace Hop.Ssh.Tests.Terminal;

/// <summary>
/// A server's text escaped as OpenSSH escapes it; the expected strings are what ssh 9.2 printed here
/// for the same text (the banner and the prompt through utf8.c, the name and instruction as a log line).
/// </summary>
public class UntrustedTextTests
{
    private const string Hostile = "A\u001b]52;c;aG9wCg==\u0007B\u001b]0;pwned\u0007C\u001b[2JD\rE\\F\bG\u007fH\u00e9I";

    [Fact]
    public void ForTerminalInAUtf8LocaleKeepsLettersAndEscapesControls() =>
        Assert.Equal(@"A\033]52;c;aG9wCg==\007B\033]0;pwned\007C\033[2JD" + "\r" + @"E\F\010G\177H" + "\u00e9I", UntrustedText.ForTerminal(Hostile, utf8: true));

    [Fact]
    public void ForTerminalInTheCLocaleEscapesEveryByteBeyondAscii() =>
        Assert.Equal(@"A\033]52;c;aG9wCg==\007B\033]0;pwned\007C\033[2JD" + "\r" + @"E\F\010G\177H\303\251I", UntrustedText.ForTerminal(Hostile, utf8: false));

    [Fact]
    public void ForLogKeepsBellBackspaceAndReturnDoublesBackslashesAndEscapesTheRest() =>
        Assert.Equal(@"A\033]52;c;aG9wCg==" + "\a" + @"B\033]0;pwned" + "\a" + @"C\033[2JD" + "\r" + @"E\\F" + "\b" + @"G\177H\303\251I", UntrustedText.ForLog(Hostile, doubleBackslashes: true));

    [Fact]
    public void ForLogOnWindowsLeavesThePathsBackslashesSingle() =>
        Assert.Equal(@"Bad owner or permissions on C:\Users\a\033b", UntrustedText.ForLog("Bad owner or permissions on C:\\Users\\a\u001bb", doubleBackslashes: false));

    [Theory]
    [InlineData("plain text, nothing to do\n\ttab")]
    [InlineData("")]
    public void TextWithNothingToEscapeComesBackAsItIs(string text)
    {
        Assert.Same(text, UntrustedText.ForTerminal(text, utf8: true));
        Assert.Same(text, UntrustedText.ForLog(text, doubleBackslashes: true));
    }

    [Fact]
    public void C1ControlsLoneSurrogatesAndUnassignedCodePointsAreEscapedAndOtherPlanesKept()
    {
        // U+009B is a one-character CSI on some terminals; a lone surrogate has no UTF-8 form
        // (shown as U+FFFD's bytes); U+0378 is unassigned; U+1F600 is printable.
        Assert.Equal(@"\302\233[2J", UntrustedText.ForTerminal("\u009b[2J", utf8: true));
        Assert.Equal(@"a\357\277\275b", UntrustedText.ForTerminal("a\ud800b", utf8: true));
        Assert.Equal(@"\315\270", UntrustedText.ForTerminal("\u0378", utf8: true));
        Assert.Equal("\U0001F600", UntrustedText.ForTerminal("\U0001F600", utf8: true));
        Assert.Equal(@"\360\237\230\200", UntrustedText.ForTerminal("\U0001F600", utf8: false));
    }
}
