using Hop.Ssh.Connection.Messages;

namespace Hop.Cli.Terminal;

/// <summary>The local terminal's settings as RFC 4254 §8 encoded modes (IUTF8 from RFC 8160), read from Linux's struct termios.</summary>
internal static class TerminalModeEncoder
{
    private const uint Csize = 0x30, Cs7 = 0x20, Cs8 = 0x30;

    private static readonly (TerminalMode Mode, int Index)[] Chars =
    [
        (TerminalMode.VINTR, 0), (TerminalMode.VQUIT, 1), (TerminalMode.VERASE, 2), (TerminalMode.VKILL, 3),
        (TerminalMode.VEOF, 4), (TerminalMode.VEOL, 11), (TerminalMode.VEOL2, 16), (TerminalMode.VSTART, 8),
        (TerminalMode.VSTOP, 9), (TerminalMode.VSUSP, 10), (TerminalMode.VREPRINT, 12), (TerminalMode.VWERASE, 14),
        (TerminalMode.VLNEXT, 15), (TerminalMode.VDISCARD, 13),
    ];

    private enum Word { I, O, C, L }

    private static readonly (TerminalMode Mode, Word Word, uint Bit)[] Bits =
    [
        (TerminalMode.IGNPAR, Word.I, 0x4), (TerminalMode.PARMRK, Word.I, 0x8), (TerminalMode.INPCK, Word.I, 0x10),
        (TerminalMode.ISTRIP, Word.I, 0x20), (TerminalMode.INLCR, Word.I, 0x40), (TerminalMode.IGNCR, Word.I, 0x80),
        (TerminalMode.ICRNL, Word.I, 0x100), (TerminalMode.IUCLC, Word.I, 0x200), (TerminalMode.IXON, Word.I, 0x400),
        (TerminalMode.IXANY, Word.I, 0x800), (TerminalMode.IXOFF, Word.I, 0x1000), (TerminalMode.IMAXBEL, Word.I, 0x2000),
        (TerminalMode.IUTF8, Word.I, 0x4000),
        (TerminalMode.ISIG, Word.L, 0x1), (TerminalMode.ICANON, Word.L, 0x2), (TerminalMode.XCASE, Word.L, 0x4),
        (TerminalMode.ECHO, Word.L, 0x8), (TerminalMode.ECHOE, Word.L, 0x10), (TerminalMode.ECHOK, Word.L, 0x20),
        (TerminalMode.ECHONL, Word.L, 0x40), (TerminalMode.NOFLSH, Word.L, 0x80), (TerminalMode.TOSTOP, Word.L, 0x100),
        (TerminalMode.ECHOCTL, Word.L, 0x200), (TerminalMode.ECHOKE, Word.L, 0x800), (TerminalMode.PENDIN, Word.L, 0x4000),
        (TerminalMode.IEXTEN, Word.L, 0x8000),
        (TerminalMode.OPOST, Word.O, 0x1), (TerminalMode.OLCUC, Word.O, 0x2), (TerminalMode.ONLCR, Word.O, 0x4),
        (TerminalMode.OCRNL, Word.O, 0x8), (TerminalMode.ONOCR, Word.O, 0x10), (TerminalMode.ONLRET, Word.O, 0x20),
        (TerminalMode.PARENB, Word.C, 0x100), (TerminalMode.PARODD, Word.C, 0x200),
    ];

    /// <summary>The modes of <paramref name="termios"/> (as saved by tcgetattr); empty when unknown (not a terminal, not Linux).</summary>
    public static TerminalModes From(byte[]? termios)
    {
        var modes = new TerminalModes();
        if (RawTerminal.LinuxFields(termios) is not { } f) return modes;
        foreach (var (mode, index) in Chars) modes.Set(mode, f.Cc[index]);
        foreach (var (mode, word, bit) in Bits)
        {
            uint flags = word switch { Word.I => f.Iflag, Word.O => f.Oflag, Word.C => f.Cflag, _ => f.Lflag };
            modes.Set(mode, (flags & bit) != 0 ? 1u : 0u);
        }
        modes.Set(TerminalMode.CS7, (f.Cflag & Csize) == Cs7 ? 1u : 0u);
        modes.Set(TerminalMode.CS8, (f.Cflag & Csize) == Cs8 ? 1u : 0u);
        return modes;
    }
}
