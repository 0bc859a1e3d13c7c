using System.Text;
using Hop.Cli.Terminal;

namespace Hop.Ssh.Tests.Terminal;

/// <summary>The escape filter of `hop ssh`: OpenSSH's "~" sequences and the raw-mode "~C" line editor.</summary>
public class EscapeFilterTests
{
    private sealed class Run
    {
        public readonly List<byte> Sent = [];
        public readonly List<(EscapeCommand Command, string? Line)> Commands = [];
        public readonly StringBuilder Echo = new();
        public readonly EscapeFilter Filter;

        public Run(bool commandLine = true)
        {
            Filter = new EscapeFilter('~', b => Echo.Append(Encoding.UTF8.GetString(b))) { CommandLineEnabled = commandLine };
        }

        public void Feed(string text) => Feed(Encoding.UTF8.GetBytes(text));

        public void Feed(byte[] input)
        {
            var data = input.AsSpan();
            while (data.Length > 0)
            {
                var step = Filter.Next(data);
                Sent.AddRange(data[..step.Written].ToArray());
                data = data[step.Consumed..];
                if (step.Command is { } c) Commands.Add((c, step.Line));
            }
        }

        public string SentText => Encoding.UTF8.GetString([.. Sent]);
    }

    [Fact]
    public void EscapesOnlyAfterNewline()
    {
        var r = new Run();
        r.Feed("a~.b\r~?c");
        Assert.Equal("a~.b\rc", r.SentText);
        Assert.Equal([(EscapeCommand.Help, null)], r.Commands);
    }

    [Fact]
    public void TildeTildeSendsOneTildeAndUnknownSendsBoth()
    {
        var r = new Run();
        r.Feed("~~x\n~zy");
        Assert.Equal("~x\n~zy", r.SentText);
        Assert.Empty(r.Commands);
    }

    [Fact]
    public void SequenceSplitAcrossReadsStillCounts()
    {
        var r = new Run();
        r.Feed("ls\r~");
        r.Feed(".");
        Assert.Equal("ls\r", r.SentText);
        Assert.Equal([(EscapeCommand.Disconnect, null)], r.Commands);
    }

    [Fact]
    public void VerbosityLettersAreOpenSshs()
    {
        var r = new Run();
        r.Feed("~V~v~B~R~#~&");
        Assert.Equal([EscapeCommand.LessVerbose, EscapeCommand.MoreVerbose, EscapeCommand.SendBreak, EscapeCommand.Rekey,
            EscapeCommand.ListConnections, EscapeCommand.Background], r.Commands.Select(c => c.Command));
        Assert.Equal("", r.SentText);
    }

    [Fact]
    public void CommandLineCollectsEditsAndReturnsTheLine()
    {
        var r = new Run();
        // Bytes after the line in the same read go to the session after the command.
        r.Feed("~C-Lx\x7f 8080:h:80\rls\r");
        Assert.Equal([(EscapeCommand.CommandLine, null), (EscapeCommand.CommandLineDone, "-L 8080:h:80")], r.Commands);
        Assert.Equal("ls\r", r.SentText);
        Assert.Equal("-Lx\b \b 8080:h:80\r\n", r.Echo.ToString());
        Assert.False(r.Filter.InCommandLine);
    }

    [Fact]
    public void CommandLineBackspaceRemovesAWholeUtf8Character()
    {
        var r = new Run();
        r.Feed("~Cé\u007Fa\r");
        Assert.Equal("a", r.Commands[^1].Line);
    }

    [Fact]
    public void CtrlUClearsAndCtrlCAbandons()
    {
        var r = new Run();
        r.Feed("~Cabc\x15x\r");
        Assert.Equal("x", r.Commands[^1].Line);
        r.Feed("~Cabc\x03ls\r");
        Assert.Equal((EscapeCommand.CommandLineDone, null), r.Commands[^1]);
        Assert.Equal("ls\r", r.SentText);
    }

    [Fact]
    public void CtrlDAbandonsOnlyAnEmptyLine()
    {
        var r = new Run();
        r.Feed("~Cab\u0004c\r");
        Assert.Equal("abc", r.Commands[^1].Line);
        r.Feed("~C\x04");
        Assert.Equal((EscapeCommand.CommandLineDone, null), r.Commands[^1]);
    }

    [Fact]
    public void EscapeWorksRightAfterACommandLine()
    {
        var r = new Run();
        r.Feed("~C-h\r~.");
        Assert.Equal(EscapeCommand.Disconnect, r.Commands[^1].Command);
    }

    [Fact]
    public void DisabledCommandLineDoesNotSwallowInput()
    {
        var r = new Run(commandLine: false);
        r.Feed("~Cls\r");
        Assert.Equal([(EscapeCommand.CommandLine, null)], r.Commands);
        Assert.Equal("ls\r", r.SentText);
    }

    [Fact]
    public void CommandLineIsOffByDefault()
    {
        var f = new EscapeFilter('~');
        var data = Encoding.ASCII.GetBytes("~Cls\r");
        var step = f.Next(data);
        Assert.Equal(EscapeCommand.CommandLine, step.Command);
        Assert.False(f.InCommandLine);
    }

    [Fact]
    public void CommandLineIsBounded()
    {
        var r = new Run();
        r.Feed("~C" + new string('x', 5000) + "\r");
        Assert.Equal(EscapeFilter.MaxLine, r.Commands[^1].Line!.Length);
    }

    [Fact]
    public void NoEscapeCharacterPassesEverything()
    {
        var f = new EscapeFilter(-1);
        var data = Encoding.ASCII.GetBytes("\r~.");
        var step = f.Next(data);
        Assert.Equal((3, 3, (EscapeCommand?)null), (step.Written, step.Consumed, step.Command));
    }
}
