namespace Hop.Cli.Terminal;

/// <summary>What an escape sequence typed by the user asks for.</summary>
internal enum EscapeCommand
{
    Disconnect,       // ~.
    Help,             // ~?
    ListConnections,  // ~#
    Background,       // ~&
    CommandLine,      // ~C
    Rekey,            // ~R
    MoreVerbose,      // ~V
    LessVerbose,      // ~v
    Suspend,          // ~^Z
    SendBreak,        // ~B
}

/// <summary>
/// Finds OpenSSH's escape sequences in typed input: the escape character (EscapeChar, -e; "~" by
/// default) right after a newline, followed by a command character. The escape character typed
/// twice sends it once; followed by anything else, both are sent as typed.
/// </summary>
internal sealed class EscapeFilter(int escapeChar)
{
    private bool _atLineStart = true;
    private bool _pending;

    public int EscapeChar => escapeChar;

    /// <summary>
    /// Removes escape sequences from <paramref name="data"/> in place, calling
    /// <paramref name="onCommand"/> for each; stops early when it returns false (disconnect).
    /// Returns how many bytes remain to send.
    /// </summary>
    public int Filter(Span<byte> data, Func<EscapeCommand, bool> onCommand)
    {
        if (escapeChar < 0) return data.Length;
        int w = 0;
        for (int i = 0; i < data.Length; i++)
        {
            byte b = data[i];
            if (_pending)
            {
                _pending = false;
                EscapeCommand? command = b switch
                {
                    (byte)'.' => EscapeCommand.Disconnect,
                    (byte)'?' => EscapeCommand.Help,
                    (byte)'#' => EscapeCommand.ListConnections,
                    (byte)'&' => EscapeCommand.Background,
                    (byte)'C' => EscapeCommand.CommandLine,
                    (byte)'R' => EscapeCommand.Rekey,
                    (byte)'V' => EscapeCommand.MoreVerbose,
                    (byte)'v' => EscapeCommand.LessVerbose,
                    (byte)'B' => EscapeCommand.SendBreak,
                    0x1a => EscapeCommand.Suspend,
                    _ => null,
                };
                if (command is { } c)
                {
                    // As in OpenSSH, another escape may follow a command at once.
                    _atLineStart = true;
                    if (!onCommand(c)) return w;
                    continue;
                }
                if (b != escapeChar) data[w++] = (byte)escapeChar;
                data[w++] = b;
                _atLineStart = b is (byte)'\r' or (byte)'\n';
                continue;
            }
            if (_atLineStart && b == escapeChar)
            {
                _pending = true;
                continue;
            }
            data[w++] = b;
            _atLineStart = b is (byte)'\r' or (byte)'\n';
        }
        return w;
    }
}
