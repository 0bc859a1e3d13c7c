using System.Globalization;

namespace Hop.Ssh.Config;

/// <summary>Value syntaxes of ssh_config (flags, times, sizes, escape characters), parsed as OpenSSH does.</summary>
internal static class ConfigValueParser
{
    /// <summary>yes/true → true, no/false → false (case-insensitive); null otherwise.</summary>
    public static bool? Flag(string s) => s.ToLowerInvariant() switch
    {
        "yes" or "true" => true,
        "no" or "false" => false,
        _ => null,
    };

    /// <summary>convtime: "90", "1m30s", "1h", "2d", "1w"; -1 when malformed.</summary>
    public static long Time(string s)
    {
        if (s.Length == 0) return -1;
        long total = 0;
        int i = 0;
        while (i < s.Length)
        {
            int start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
            if (i == start || i - start > 18) return -1;
            long value = long.Parse(s.AsSpan(start, i - start), CultureInfo.InvariantCulture);
            long mult = 1;
            if (i < s.Length)
            {
                mult = char.ToLowerInvariant(s[i]) switch
                {
                    's' => 1,
                    'm' => 60,
                    'h' => 3600,
                    'd' => 86400,
                    'w' => 604800,
                    _ => 0,
                };
                if (mult == 0) return -1;
                i++;
            }
            if (value > (int.MaxValue - total) / mult) return -1;
            total += value * mult;
        }
        return total;
    }

    /// <summary>A decimal integer 0..int.MaxValue; -1 when malformed.</summary>
    public static int Integer(string s)
    {
        if (s.Length == 0 || s.Length > 10 || !s.All(char.IsAsciiDigit)) return -1;
        long v = long.Parse(s, CultureInfo.InvariantCulture);
        return v <= int.MaxValue ? (int)v : -1;
    }

    /// <summary>
    /// An integer keyword's value as OpenSSH reads it (strtonum from 0 to INT_MAX: blanks and a sign allowed before the
    /// digits); -1 when bad, with ssh's reason ("invalid", "too small", "too large").
    /// </summary>
    public static int StrToNum(string s, out string? error)
    {
        int i = 0;
        while (i < s.Length && s[i] is ' ' or '\t' or '\n' or '\r' or '\v' or '\f') i++;
        bool negative = i < s.Length && s[i] == '-';
        if (i < s.Length && s[i] is '+' or '-') i++;
        int start = i;
        decimal value = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            if (value <= long.MaxValue) value = value * 10 + (s[i] - '0');
            i++;
        }
        error = i == start || i != s.Length ? "invalid"
            : negative && value > 0 ? "too small"
            : value > int.MaxValue ? "too large"
            : null;
        return error is null ? (int)value : -1;
    }

    /// <summary>A port 1..65535; -1 when malformed.</summary>
    public static int Port(string s)
    {
        int v = Integer(s);
        return v is >= 1 and <= 65535 ? v : -1;
    }

    /// <summary>scan_scaled: "1024", "100K", "1M", "1G" (powers of 1024); -1 when malformed.</summary>
    public static long Size(string s)
    {
        if (s.Length == 0) return -1;
        int i = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        if (i == 0 || i > 18) return -1;
        long value = long.Parse(s.AsSpan(0, i), CultureInfo.InvariantCulture);
        if (i == s.Length) return value;
        if (i != s.Length - 1) return -1;
        int shift = char.ToUpperInvariant(s[i]) switch
        {
            'B' => 0,
            'K' => 10,
            'M' => 20,
            'G' => 30,
            'T' => 40,
            'P' => 50,
            _ => -1,
        };
        if (shift < 0 || value > (long.MaxValue >> shift)) return -1;
        return value << shift;
    }

    /// <summary>EscapeChar: one character, "^X" for a control character, or "none" (-1); null when bad.</summary>
    public static int? EscapeChar(string s)
    {
        if (s.Length == 1) return s[0];
        if (s.Length == 2 && s[0] == '^' && s[1] >= '@' && s[1] <= '_') return s[1] & 31;
        if (s.Length == 2 && s[0] == '^' && s[1] >= 'a' && s[1] <= 'z') return s[1] & 31;
        if (s == "none") return -1;
        return null;
    }

    /// <summary>FingerprintHash: a digest ssh knows by name (MD5, SHA1, SHA256, SHA384, SHA512; any case), or null.</summary>
    public static System.Security.Cryptography.HashAlgorithmName? FingerprintHash(string s) => s.ToUpperInvariant() switch
    {
        "MD5" => System.Security.Cryptography.HashAlgorithmName.MD5,
        "SHA1" => System.Security.Cryptography.HashAlgorithmName.SHA1,
        "SHA256" => System.Security.Cryptography.HashAlgorithmName.SHA256,
        "SHA384" => System.Security.Cryptography.HashAlgorithmName.SHA384,
        "SHA512" => System.Security.Cryptography.HashAlgorithmName.SHA512,
        _ => null,
    };

    /// <summary>Checks the arguments of a supported keyword; returns an error message or null.</summary>
    public static string? Check(KeywordInfo info, IReadOnlyList<string> args)
    {
        string kw = info.Name;
        string First() => args.Count > 0 ? args[0] : "";
        bool single = info.Shape is ValueShape.Flag or ValueShape.State or ValueShape.Integer or ValueShape.Port
            or ValueShape.Time or ValueShape.Text or ValueShape.Algorithms or ValueShape.Accumulate;
        bool listOfNames = kw is "canonicaldomains" or "canonicalizepermittedcnames"; // their own words for an empty name
        if (info.Shape != ValueShape.Command && (args.Count == 0 || (args[0].Length == 0 && info.Shape != ValueShape.Text && !listOfNames)))
            return "Missing argument.";
        string arg = First();
        string? error = info.Shape switch
        {
            ValueShape.Flag => Flag(arg) is null ? $"unsupported option \"{arg}\"." : null,
            ValueShape.State => info.States!.Contains(arg.ToLowerInvariant()) ? null : $"unsupported option \"{arg}\".",
            ValueShape.Integer => StrToNum(arg, out string? why) < 0 ? $"integer value {why}." : null,
            ValueShape.Port => Port(arg) < 0 ? $"Bad port '{arg}'." : null,
            ValueShape.Time => (kw == "connecttimeout" && arg == "none") || Time(arg) >= 0 ? null : "invalid time value.",
            ValueShape.Text => arg.Length == 0 ? "Missing argument." : null,
            ValueShape.Forward => ForwardSpec.Parse(ConfigStore.KindOf(kw), args) is null ? "Bad forwarding specification." : null,
            ValueShape.Special => CheckSpecial(kw, args),
            _ => null,
        };
        if (error is not null) return error;
        if (single && args.Count > 1) return $"keyword {kw} extra arguments at end of line";
        return null;
    }

    private static string? CheckSpecial(string kw, IReadOnlyList<string> args)
    {
        switch (kw)
        {
            case "setenv":
                foreach (string a in args)
                    if (!a.Contains('=', StringComparison.Ordinal) || a.StartsWith('=')) return "Invalid SetEnv.";
                return null;
            case "sendenv":
                foreach (string a in args)
                    if (a.Length == 0 || a.Contains('=', StringComparison.Ordinal)) return "Invalid environment name.";
                return null;
            case "escapechar":
                if (args.Count > 1) return "keyword escapechar extra arguments at end of line";
                return EscapeChar(args[0]) is null ? "Bad escape character." : null;
            case "rekeylimit":
                {
                    if (args.Count > 2) return "keyword rekeylimit extra arguments at end of line";
                    if (args[0] != "default")
                    {
                        long size = Size(args[0]);
                        if (size < 0) return "Bad number.";
                        if (size != 0 && size < 16) return "RekeyLimit too small";
                    }
                    if (args.Count == 2 && args[1] != "default" && args[1] != "none" && Time(args[1]) < 0)
                        return "invalid time value.";
                    return null;
                }
            case "addkeystoagent":
                return AddKeysToAgent(args, out _, out _) ? null : "unsupported option";
            case "permitremoteopen":
                return PermitRemoteOpen.Check(args);
            case "fingerprinthash":
                if (args.Count > 1) return "keyword fingerprinthash extra arguments at end of line";
                return FingerprintHash(args[0]) is null ? $"Invalid hash algorithm \"{args[0]}\"." : null;
            case "canonicaldomains":
                return CanonicalDomainList.Check(args);
            case "canonicalizepermittedcnames":
                return PermittedCnames.Check(args);
            case "tunneldevice":
                if (args.Count > 1) return "keyword tunneldevice extra arguments at end of line";
                return TunnelDevice(args[0]) is null ? "Bad tun device." : null;
            case "controlpersist":
                if (args.Count > 1) return "keyword controlpersist extra arguments at end of line";
                return Flag(args[0]) is not null || Time(args[0]) >= 0 ? null : "Bad ControlPersist argument.";
            case "ipqos":
                for (int i = 0; i < Math.Min(2, args.Count); i++)
                    if (IpQos.Parse(args[i]) is null) return $"Bad IPQoS value: {args[i]}";
                return args.Count > 2 ? "keyword ipqos extra arguments at end of line" : null;
            case "streamlocalbindmask":
                if (Mask(args[0]) < 0) return "Bad mask.";
                return args.Count > 1 ? "keyword streamlocalbindmask extra arguments at end of line" : null;
            default:
                return null;
        }
    }

    /// <summary>
    /// StreamLocalBindMask: octal digits read as strtol(3) in base 8 reads them (a sign allowed, anything after
    /// the digits ignored), 0..0777; -1 when bad.
    /// </summary>
    public static int Mask(string s)
    {
        int i = 0;
        while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
        bool negative = false;
        if (i < s.Length && s[i] is '+' or '-') negative = s[i++] == '-';
        int start = i;
        long value = 0;
        while (i < s.Length && s[i] is >= '0' and <= '7')
        {
            value = Math.Min(value * 8 + (s[i] - '0'), int.MaxValue);
            i++;
        }
        if (i == start || (negative && value != 0) || value > 0x1ff) return -1;
        return (int)value;
    }

    /// <summary>SSH_TUNID_ANY: "any" unit, the system (or the server) picks one.</summary>
    public const int TunnelUnitAny = 0x7fffffff;

    /// <summary>
    /// A tunnel device "local[:remote]" (TunnelDevice, -w), as OpenSSH's a2tun reads it: each unit a
    /// number 0..2147483645 or "any" (<see cref="TunnelUnitAny"/>); the remote unit is any when
    /// left out. Null when either part is bad (an empty part too).
    /// </summary>
    public static (int Local, int Remote)? TunnelDevice(string s)
    {
        int colon = s.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0) return TunnelUnit(s) is int only ? (only, TunnelUnitAny) : null;
        return TunnelUnit(s[..colon]) is int local && TunnelUnit(s[(colon + 1)..]) is int remote ? (local, remote) : null;
    }

    private static int? TunnelUnit(string s)
    {
        if (s.Equals("any", StringComparison.OrdinalIgnoreCase)) return TunnelUnitAny;
        // strtonum(s, 0, SSH_TUNID_MAX): an optional sign, decimal digits, leading blanks allowed.
        return long.TryParse(s, NumberStyles.AllowLeadingWhite | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v)
            && v is >= 0 and <= TunnelUnitAny - 2 ? (int)v : null;
    }

    /// <summary>AddKeysToAgent: yes/no/ask/confirm, optionally "confirm TIME", or a TIME alone (implies yes).</summary>
    public static bool AddKeysToAgent(IReadOnlyList<string> args, out string mode, out long lifetime)
    {
        mode = "no";
        lifetime = 0;
        if (args.Count == 0 || args.Count > 2) return false;
        string a = args[0].ToLowerInvariant();
        if (args.Count == 1)
        {
            switch (a)
            {
                case "yes" or "true": mode = "yes"; return true;
                case "no" or "false": mode = "no"; return true;
                case "ask": mode = "ask"; return true;
                case "confirm": mode = "confirm"; return true;
            }
            long t = Time(args[0]);
            if (t <= 0) return false;
            mode = "yes";
            lifetime = t;
            return true;
        }
        if (a != "confirm") return false;
        long t2 = Time(args[1]);
        if (t2 <= 0) return false;
        mode = "confirm";
        lifetime = t2;
        return true;
    }
}
