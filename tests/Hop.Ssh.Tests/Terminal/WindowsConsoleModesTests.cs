using Hop.Cli.Terminal;

namespace Hop.Ssh.Tests.Terminal;

/// <summary>The console-mode arithmetic of `hop ssh`'s raw mode on Windows (the P/Invoke around it cannot run here).</summary>
public class WindowsConsoleModesTests
{
    // Windows' default modes of a cmd.exe console.
    private const uint DefaultInput = 0x01F7;  // processed, line, echo, window, mouse, insert, quick edit, extended flags
    private const uint DefaultOutput = 0x0003; // processed output, wrap at EOL

    [Fact]
    public void RawInputClearsLineEchoProcessedAndSetsVirtualTerminalInput()
    {
        uint raw = WindowsConsoleModes.RawInput(DefaultInput);
        Assert.Equal(0u, raw & 0x0001);
        Assert.Equal(0u, raw & 0x0002);
        Assert.Equal(0u, raw & 0x0004);
        Assert.Equal(0x0200u, raw & 0x0200);
        // Every other bit is kept.
        Assert.Equal(DefaultInput & ~0x0007u, raw & ~0x0200u);
        Assert.Equal(0x01F0u | 0x0200u, raw);
    }

    [Fact]
    public void RawOutputSetsVirtualTerminalProcessingAndNoAutoReturn()
    {
        uint raw = WindowsConsoleModes.RawOutput(DefaultOutput);
        Assert.Equal(0x0003u | 0x0004u | 0x0008u, raw);
        Assert.Equal(0x000Du, WindowsConsoleModes.RawOutput(0));
    }

    [Fact]
    public void RawModesAreIdempotent()
    {
        uint i = WindowsConsoleModes.RawInput(DefaultInput);
        Assert.Equal(i, WindowsConsoleModes.RawInput(i));
        uint o = WindowsConsoleModes.RawOutput(DefaultOutput);
        Assert.Equal(o, WindowsConsoleModes.RawOutput(o));
    }

    [Fact]
    public void WindowSizeFromInclusiveCorners()
    {
        Assert.Equal((120u, 30u), WindowsConsoleModes.WindowSize(0, 270, 119, 299));
        Assert.Equal((0u, 0u), WindowsConsoleModes.WindowSize(5, 5, 3, 3));
    }
}
