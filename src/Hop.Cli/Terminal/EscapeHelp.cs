namespace Hop.Cli.Terminal;

/// <summary>The texts of the escape sequences: ~? help and the ~V/~v level names.</summary>
internal static class EscapeHelp
{
    /// <summary>
    /// The ~? text, as OpenSSH's (without ~C when the command line is disabled, without ~&amp;, which hop
    /// cannot do). A multiplexed session (<paramref name="muxClient"/>, served by a master for a client)
    /// lists what works there: ~. ends that session only, and ~C, ~V/v and ~^Z are left out.
    /// </summary>
    public static string Text(char e, bool commandLine = true, bool muxClient = false) =>
        $"{e}?\r\nSupported escape sequences:\r\n" +
        (muxClient ? $" {e}.   - terminate session\r\n" : $" {e}.   - terminate connection (and any multiplexed sessions)\r\n") +
        $" {e}B   - send a BREAK to the remote system\r\n" +
        (commandLine && !muxClient ? $" {e}C   - open a command line\r\n" : "") +
        $" {e}R   - request rekey\r\n" +
        (muxClient ? "" : $" {e}V/v - decrease/increase verbosity (LogLevel)\r\n" + $" {e}^Z  - suspend hop\r\n") +
        $" {e}#   - list forwarded connections\r\n" +
        $" {e}?   - this message\r\n" +
        $" {e}{e}   - send the escape character by typing it twice\r\n" +
        "(Note that escapes are only recognized immediately after newline.)\r\n";

    public static string LevelName(int verbosity) => verbosity switch
    {
        < 0 => "QUIET",
        0 => "INFO",
        1 => "DEBUG1",
        2 => "DEBUG2",
        _ => "DEBUG3",
    };
}
