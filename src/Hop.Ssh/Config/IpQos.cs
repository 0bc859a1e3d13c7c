using System.Globalization;

namespace Hop.Ssh.Config;

/// <summary>
/// IPQoS values: the names ssh_config(5) lists (DSCP code points, the old TOS bits, "none") and plain
/// numbers 0..255, as the byte written to IP_TOS / IPV6_TCLASS. <see cref="None"/> means "leave the socket alone".
/// </summary>
public static class IpQos
{
    /// <summary>"none": the socket's TOS is not set.</summary>
    public const int None = int.MaxValue;

    // In OpenSSH's order: a value with two names prints as the first (0x04 is "le", not "reliability").
    private static readonly (string Name, int Value)[] Names =
    [
        ("af11", 0x28), ("af12", 0x30), ("af13", 0x38),
        ("af21", 0x48), ("af22", 0x50), ("af23", 0x58),
        ("af31", 0x68), ("af32", 0x70), ("af33", 0x78),
        ("af41", 0x88), ("af42", 0x90), ("af43", 0x98),
        ("cs0", 0x00), ("cs1", 0x20), ("cs2", 0x40), ("cs3", 0x60),
        ("cs4", 0x80), ("cs5", 0xa0), ("cs6", 0xc0), ("cs7", 0xe0),
        ("ef", 0xb8), ("le", 0x04),
        ("lowdelay", 0x10), ("throughput", 0x08), ("reliability", 0x04),
        ("none", None),
    ];

    /// <summary>A name (any case) or a number (decimal, 0x hex or 0 octal) 0..255; null when neither.</summary>
    public static int? Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var (name, value) in Names)
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase)) return value;
        string digits = text;
        bool negative = false;
        if (digits.Length > 0 && digits[0] is '+' or '-')
        {
            negative = digits[0] == '-';
            digits = digits[1..];
        }
        int radix = 10;
        if (digits.Length > 2 && digits[0] == '0' && digits[1] is 'x' or 'X')
        {
            radix = 16;
            digits = digits[2..];
        }
        else if (digits.Length > 1 && digits[0] == '0')
        {
            radix = 8;
            digits = digits[1..];
        }
        if (digits.Length == 0 || digits.Length > 8) return null;
        int v = 0;
        foreach (char c in digits)
        {
            int d = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiLetter(c) ? char.ToLowerInvariant(c) - 'a' + 10 : 99;
            if (d >= radix) return null;
            v = v * radix + d;
        }
        if (negative && v != 0) return null;
        return v <= 255 ? v : null;
    }

    /// <summary>The value as ssh -G prints it: its first name, else two hex digits.</summary>
    public static string Format(int value)
    {
        foreach (var (name, v) in Names)
            if (v == value) return name;
        return "0x" + value.ToString("x2", CultureInfo.InvariantCulture);
    }
}
