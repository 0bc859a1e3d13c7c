using System.Text;

namespace Hop.Cli.Terminal;

/// <summary>What an escape sequence typed by the user asks for.</summary>
internal enum EscapeCommand
{
    Disconnect,       // ~.
    Help,             // ~?
    ListConnections,  // ~#
    Background,       // ~&
    CommandLine,      // ~C: the filter now collects a line (see EscapeStep.Line)
    CommandLineDone,  // the ~C line was entered (Enter) or abandoned (Ctrl-C; Line is null)
    Rekey,            // ~R
    LessVerbose,      // ~V (OpenSSH: V lowers the LogLevel)
    MoreVerbose,      // ~v (OpenSSH: v raises it)
    Suspend,          // ~^Z
    SendBreak,        // ~B
}

/// <summary>
/// One step of <see cref="EscapeFilter.Next"/>: the first <see cref="Written"/> bytes of the span
/// are to be sent, <see cref="Consumed"/> bytes of input were used, and <see cref="Command"/>, when
/// set, is to be acted on before the rest of the input is filtered.
/// </summary>
internal readonly record struct EscapeStep(int Written, int Consumed, EscapeCommand? Command, string? Line = null);

/// <summary>
/// Finds OpenSSH's escape sequences in typed input: the escape character (EscapeChar, -e; "~" by
/// default) right after a newline, followed by a command character. The escape character typed
/// twice sends it once; followed by anything else, both are sent as typed. After "~C" (when the
/// command line is enabled) the typed bytes form the command line instead: edited here in raw mode
/// (Backspace, Ctrl-U; Ctrl-C or Ctrl-D on an empty line abandon it), echoed through
/// <paramref name="echo"/>, and handed over on Enter.
/// </summary>
internal sealed class EscapeFilter(int escapeChar, Action<ReadOnlySpan<byte>>? echo = null)
{
    /// <summary>The longest command line kept (OpenSSH's read_passphrase takes 1024 bytes).</summary>
    public const int MaxLine = 1023;

    private bool _atLineStart = true;
    private bool _pending;
    private List<byte>? _line;

    public int EscapeChar => escapeChar;

    /// <summary>Whether "~C" opens the command line (EnableEscapeCommandline, off by default as in OpenSSH 9.2); when not, it is reported and ignored.</summary>
    public bool CommandLineEnabled { get; set; }

    /// <summary>True while a "~C" line is being typed.</summary>
    public bool InCommandLine => _line is not null;

    /// <summary>
    /// Filters <paramref name="data"/> in place up to and including the first escape command (or
    /// the whole span when there is none). The caller sends the written bytes, acts on the
    /// command, then calls again with the rest.
    /// </summary>
    public EscapeStep Next(Span<byte> data)
    {
        if (escapeChar < 0 && _line is null) return new EscapeStep(data.Length, data.Length, null);
        int w = 0;
        for (int i = 0; i < data.Length; i++)
        {
            byte b = data[i];
            if (_line is not null)
            {
                if (EditLine(b, out string? entered)) return new EscapeStep(w, i + 1, EscapeCommand.CommandLineDone, entered);
                continue;
            }
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
                    (byte)'V' => EscapeCommand.LessVerbose,
                    (byte)'v' => EscapeCommand.MoreVerbose,
                    (byte)'B' => EscapeCommand.SendBreak,
                    0x1a => EscapeCommand.Suspend,
                    _ => null,
                };
                if (command is { } c)
                {
                    // As in OpenSSH, another escape may follow a command at once.
                    _atLineStart = true;
                    if (c == EscapeCommand.CommandLine && CommandLineEnabled) _line = [];
                    return new EscapeStep(w, i + 1, c);
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
        return new EscapeStep(w, data.Length, null);
    }

    /// <summary>
    /// Takes one byte of the command line; true when the line ends, with the text entered, or
    /// null when it was abandoned.
    /// </summary>
    private bool EditLine(byte b, out string? entered)
    {
        var line = _line!;
        entered = null;
        switch (b)
        {
            case (byte)'\r' or (byte)'\n':
                entered = Encoding.UTF8.GetString([.. line]);
                return Finish();
            case 0x03:
                return Finish();
            case 0x04:
                return line.Count == 0 && Finish();
            case 0x7f or 0x08:
                if (line.Count > 0) EraseLast(line);
                return false;
            case 0x15:
                while (line.Count > 0) EraseLast(line);
                return false;
            case < 0x20:
                return false;
            default:
                if (line.Count >= MaxLine) return false;
                line.Add(b);
                Echo([b]);
                return false;
        }
    }

    private bool Finish()
    {
        Echo("\r\n"u8);
        _line = null;
        _atLineStart = true;
        return true;
    }

    /// <summary>Removes the last character (a whole UTF-8 sequence) and rubs it out on the screen.</summary>
    private void EraseLast(List<byte> line)
    {
        int end = line.Count - 1;
        while (end > 0 && (line[end] & 0xC0) == 0x80) end--;
        line.RemoveRange(end, line.Count - end);
        Echo("\b \b"u8);
    }

    private void Echo(ReadOnlySpan<byte> bytes) => echo?.Invoke(bytes);
}
