using System.Runtime.InteropServices;
using Hop.Ssh.Connection;
using Hop.Ssh.Connection.Messages;

namespace Hop.Cli.Terminal;

/// <summary>
/// A session with a pseudo-terminal: asks the server for a PTY with our TERM, size and modes,
/// puts the local terminal in raw mode (restored on every exit path), follows window resizes,
/// and handles the "~" escapes typed after a newline.
/// </summary>
internal sealed class InteractiveTerminal : IDisposable
{
    private readonly SessionChannel _session;
    private readonly byte[]? _saved;
    private readonly PosixSignalRegistration? _winch;
    private readonly int _escapeChar;
    private bool _atLineStart = true;
    private bool _escapePending;
    private bool _restored;

    private InteractiveTerminal(SessionChannel session, byte[]? saved, int escapeChar)
    {
        _session = session;
        _saved = saved;
        _escapeChar = escapeChar;
        if (!OperatingSystem.IsWindows())
            _winch = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, ctx => { _ = SendWindowSizeAsync(); });
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Restore();
    }

    public static async Task<InteractiveTerminal> StartAsync(SessionChannel session, DiagnosticLog log, int escapeChar = '~')
    {
        string term = Environment.GetEnvironmentVariable("TERM") ?? "vt100";
        var size = RawTerminal.WindowSize(1) ?? RawTerminal.WindowSize(0) ?? (80, 24, 0, 0);
        var current = RawTerminal.GetAttributes(0);
        bool ok = await session.RequestPtyAsync(term, size.Cols, size.Rows, size.Width, size.Height, ModesFrom(current)).ConfigureAwait(false);
        if (!ok) log.Write(0, "PTY allocation request failed on channel 0");
        var saved = RawTerminal.EnterRaw(0);
        return new InteractiveTerminal(session, saved, escapeChar);
    }

    /// <summary>Encodes the local terminal's modes (RFC 4254 §8), IUTF8 included.</summary>
    private static TerminalModes ModesFrom(byte[]? termios)
    {
        var modes = new TerminalModes();
        if (RawTerminal.LinuxFields(termios) is not { } f) return modes;
        (TerminalMode Mode, int Index)[] chars =
        [
            (TerminalMode.VINTR, 0), (TerminalMode.VQUIT, 1), (TerminalMode.VERASE, 2), (TerminalMode.VKILL, 3),
            (TerminalMode.VEOF, 4), (TerminalMode.VEOL, 11), (TerminalMode.VEOL2, 16), (TerminalMode.VSTART, 8),
            (TerminalMode.VSTOP, 9), (TerminalMode.VSUSP, 10), (TerminalMode.VREPRINT, 12), (TerminalMode.VWERASE, 14),
            (TerminalMode.VLNEXT, 15), (TerminalMode.VDISCARD, 13),
        ];
        foreach (var (mode, index) in chars) modes.Set(mode, f.Cc[index]);
        (TerminalMode Mode, uint Flags, uint Bit)[] bits =
        [
            (TerminalMode.IGNPAR, f.Iflag, 0x4), (TerminalMode.PARMRK, f.Iflag, 0x8), (TerminalMode.INPCK, f.Iflag, 0x10),
            (TerminalMode.ISTRIP, f.Iflag, 0x20), (TerminalMode.INLCR, f.Iflag, 0x40), (TerminalMode.IGNCR, f.Iflag, 0x80),
            (TerminalMode.ICRNL, f.Iflag, 0x100), (TerminalMode.IXON, f.Iflag, 0x400), (TerminalMode.IXANY, f.Iflag, 0x800),
            (TerminalMode.IXOFF, f.Iflag, 0x1000), (TerminalMode.IMAXBEL, f.Iflag, 0x2000), (TerminalMode.IUTF8, f.Iflag, 0x4000),
            (TerminalMode.ISIG, f.Lflag, 0x1), (TerminalMode.ICANON, f.Lflag, 0x2), (TerminalMode.ECHO, f.Lflag, 0x8),
            (TerminalMode.ECHOE, f.Lflag, 0x10), (TerminalMode.ECHOK, f.Lflag, 0x20), (TerminalMode.ECHONL, f.Lflag, 0x40),
            (TerminalMode.NOFLSH, f.Lflag, 0x80), (TerminalMode.TOSTOP, f.Lflag, 0x100), (TerminalMode.IEXTEN, f.Lflag, 0x8000),
            (TerminalMode.ECHOCTL, f.Lflag, 0x200), (TerminalMode.ECHOKE, f.Lflag, 0x800),
            (TerminalMode.OPOST, f.Oflag, 0x1), (TerminalMode.ONLCR, f.Oflag, 0x4), (TerminalMode.OCRNL, f.Oflag, 0x8),
            (TerminalMode.ONOCR, f.Oflag, 0x10), (TerminalMode.ONLRET, f.Oflag, 0x20),
            (TerminalMode.CS7, f.Cflag, 0x20), (TerminalMode.CS8, f.Cflag, 0x30), (TerminalMode.PARENB, f.Cflag, 0x100),
            (TerminalMode.PARODD, f.Cflag, 0x200),
        ];
        foreach (var (mode, flags, bit) in bits) modes.Set(mode, (flags & bit) == bit ? 1u : 0u);
        return modes;
    }

    private async Task SendWindowSizeAsync()
    {
        if ((RawTerminal.WindowSize(1) ?? RawTerminal.WindowSize(0)) is not { } s) return;
        try
        {
            await _session.WindowChangeAsync(s.Cols, s.Rows, s.Width, s.Height).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Hop.Ssh.SshException or ObjectDisposedException or IOException)
        {
        }
    }

    /// <summary>
    /// Handles escape sequences in place: "~." disconnects, "~~" sends one "~", "~?" shows help;
    /// returns how many bytes remain to send.
    /// </summary>
    public int FilterInput(Span<byte> data, out bool disconnect)
    {
        disconnect = false;
        if (_escapeChar < 0) return data.Length;
        int w = 0;
        for (int i = 0; i < data.Length; i++)
        {
            byte b = data[i];
            if (_escapePending)
            {
                _escapePending = false;
                if (b == '.')
                {
                    WriteLocal("~.\r\n"u8);
                    disconnect = true;
                    return w;
                }
                if (b == '?')
                {
                    WriteLocal("~?\r\nSupported escape sequences:\r\n ~.   - terminate connection\r\n ~?   - this message\r\n ~~   - send the escape character by typing it twice\r\n(Note that escapes are only recognized immediately after newline.)\r\n"u8);
                    _atLineStart = false;
                    continue;
                }
                if (b != _escapeChar) data[w++] = (byte)_escapeChar;
                data[w++] = b;
                _atLineStart = false;
                continue;
            }
            if (_atLineStart && b == _escapeChar)
            {
                _escapePending = true;
                continue;
            }
            data[w++] = b;
            _atLineStart = b is (byte)'\r' or (byte)'\n';
        }
        return w;
    }

    private static void WriteLocal(ReadOnlySpan<byte> text)
    {
        using var err = Console.OpenStandardError();
        err.Write(text);
    }

    /// <summary>Puts the local terminal back as it was; safe to call more than once.</summary>
    public void Restore()
    {
        if (_restored) return;
        _restored = true;
        if (_saved is not null) RawTerminal.Restore(0, _saved);
    }

    public void Dispose()
    {
        Restore();
        _winch?.Dispose();
    }
}
