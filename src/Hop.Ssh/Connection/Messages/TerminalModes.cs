using System.Buffers.Binary;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Connection.Messages;

/// <summary>The opcodes of the encoded terminal modes (RFC 4254 §8, RFC 8160 for IUTF8).</summary>
#pragma warning disable CA1707 // the RFC's names
public enum TerminalMode : byte
{
    TTY_OP_END = 0,
    VINTR = 1, VQUIT = 2, VERASE = 3, VKILL = 4, VEOF = 5, VEOL = 6, VEOL2 = 7, VSTART = 8, VSTOP = 9,
    VSUSP = 10, VDSUSP = 11, VREPRINT = 12, VWERASE = 13, VLNEXT = 14, VFLUSH = 15, VSWTCH = 16,
    VSTATUS = 17, VDISCARD = 18,
    IGNPAR = 30, PARMRK = 31, INPCK = 32, ISTRIP = 33, INLCR = 34, IGNCR = 35, ICRNL = 36, IUCLC = 37,
    IXON = 38, IXANY = 39, IXOFF = 40, IMAXBEL = 41, IUTF8 = 42,
    ISIG = 50, ICANON = 51, XCASE = 52, ECHO = 53, ECHOE = 54, ECHOK = 55, ECHONL = 56, NOFLSH = 57,
    TOSTOP = 58, IEXTEN = 59, ECHOCTL = 60, ECHOKE = 61, PENDIN = 62,
    OPOST = 70, OLCUC = 71, ONLCR = 72, OCRNL = 73, ONOCR = 74, ONLRET = 75,
    CS7 = 90, CS8 = 91, PARENB = 92, PARODD = 93,
    TTY_OP_ISPEED = 128, TTY_OP_OSPEED = 129,
}
#pragma warning restore CA1707

/// <summary>
/// Encoded terminal modes (RFC 4254 §8): a sequence of "byte opcode, uint32 argument" ended by
/// TTY_OP_END (0). Opcodes 160–255 are undefined and stop the parse, as the RFC says.
/// </summary>
public sealed class TerminalModes
{
    private readonly List<KeyValuePair<TerminalMode, uint>> _modes = [];

    public IReadOnlyList<KeyValuePair<TerminalMode, uint>> Modes => _modes;

    /// <summary>Adds (or replaces) a mode.</summary>
    public TerminalModes Set(TerminalMode mode, uint value)
    {
        if (mode == TerminalMode.TTY_OP_END || (byte)mode >= 160) throw new ArgumentOutOfRangeException(nameof(mode));
        int i = _modes.FindIndex(p => p.Key == mode);
        if (i >= 0) _modes[i] = new(mode, value);
        else _modes.Add(new(mode, value));
        return this;
    }

    public bool TryGet(TerminalMode mode, out uint value)
    {
        foreach (var p in _modes)
        {
            if (p.Key == mode)
            {
                value = p.Value;
                return true;
            }
        }
        value = 0;
        return false;
    }

    public byte[] Encode()
    {
        var bytes = new byte[(_modes.Count * 5) + 1];
        int o = 0;
        foreach (var p in _modes)
        {
            bytes[o] = (byte)p.Key;
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(o + 1), p.Value);
            o += 5;
        }
        bytes[o] = (byte)TerminalMode.TTY_OP_END;
        return bytes;
    }

    public static TerminalModes Decode(ReadOnlySpan<byte> encoded)
    {
        var modes = new TerminalModes();
        var r = new SshReader(encoded);
        while (!r.IsAtEnd)
        {
            byte op = r.ReadByte();
            if (op == 0 || op >= 160) break;
            modes._modes.Add(new((TerminalMode)op, r.ReadUInt32()));
        }
        return modes;
    }
}
