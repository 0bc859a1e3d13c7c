namespace Hop.Cli.Terminal;

/// <summary>
/// The console mode bits a raw VT session needs on Windows (SetConsoleMode), as pure arithmetic so
/// that it can be checked anywhere: input gets ENABLE_VIRTUAL_TERMINAL_INPUT (keys arrive as the
/// VT sequences a Unix terminal sends) and loses line input, echo and processed input (Ctrl-C
/// reaches the remote as 0x03); output gets VT processing (the remote's escape sequences are
/// interpreted) and DISABLE_NEWLINE_AUTO_RETURN (LF moves down only, as on a Unix terminal in
/// raw mode). Every other bit is kept as it was.
/// </summary>
internal static class WindowsConsoleModes
{
    public const uint EnableProcessedInput = 0x0001;
    public const uint EnableLineInput = 0x0002;
    public const uint EnableEchoInput = 0x0004;
    public const uint EnableVirtualTerminalInput = 0x0200;

    public const uint EnableProcessedOutput = 0x0001;
    public const uint EnableVirtualTerminalProcessing = 0x0004;
    public const uint DisableNewlineAutoReturn = 0x0008;

    /// <summary>The input mode for a raw session, from the mode the console had.</summary>
    public static uint RawInput(uint mode) =>
        (mode & ~(EnableLineInput | EnableEchoInput | EnableProcessedInput)) | EnableVirtualTerminalInput;

    /// <summary>The output mode for a raw session, from the mode the console had.</summary>
    public static uint RawOutput(uint mode) =>
        mode | EnableProcessedOutput | EnableVirtualTerminalProcessing | DisableNewlineAutoReturn;

    /// <summary>Columns and rows of the visible window from a CONSOLE_SCREEN_BUFFER_INFO's srWindow (inclusive corners).</summary>
    public static (uint Cols, uint Rows) WindowSize(short left, short top, short right, short bottom) =>
        ((uint)Math.Max(right - left + 1, 0), (uint)Math.Max(bottom - top + 1, 0));
}
