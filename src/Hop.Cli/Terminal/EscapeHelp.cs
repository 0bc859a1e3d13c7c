namespace Hop.Cli.Terminal;

/// <summary>The texts of the escape sequences: ~? help, ~V/~v level names, and the ~C command line.</summary>
internal static class EscapeHelp
{
    public static string Text(char e) =>
        $"{e}?\r\nSupported escape sequences:\r\n" +
        $" {e}.   - terminate connection (and any multiplexed sessions)\r\n" +
        $" {e}B   - send a BREAK to the remote system\r\n" +
        $" {e}C   - open a command line\r\n" +
        $" {e}R   - request rekey\r\n" +
        $" {e}V/{e}v - more/less verbose (LogLevel)\r\n" +
        $" {e}^Z  - suspend hop\r\n" +
        $" {e}#   - list forwarded connections\r\n" +
        $" {e}&   - background hop (when waiting for connections to terminate)\r\n" +
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

    /// <summary>Runs one ~C command line; returns what to show (lines ending in "\r\n").</summary>
    public static string RunCommand(string line)
    {
        if (line.Length == 0) return "";
        if (line is "-h" or "?" or "help")
        {
            return "\r\nCommands:\r\n" +
                "      -L[bind_address:]port:host:hostport    Request local forward\r\n" +
                "      -R[bind_address:]port:host:hostport    Request remote forward\r\n" +
                "      -D[bind_address:]port                  Request dynamic forward\r\n" +
                "      -KL[bind_address:]port                 Cancel local forward\r\n" +
                "      -KR[bind_address:]port                 Cancel remote forward\r\n" +
                "      -KD[bind_address:]port                 Cancel dynamic forward\r\n";
        }
        if (line.StartsWith("-L", StringComparison.Ordinal) || line.StartsWith("-R", StringComparison.Ordinal) || line.StartsWith("-D", StringComparison.Ordinal)
            || line.StartsWith("-K", StringComparison.Ordinal))
        {
            return "Adding or cancelling forwardings from the command line is not supported yet.\r\n";
        }
        return "Invalid command.\r\n";
    }
}
