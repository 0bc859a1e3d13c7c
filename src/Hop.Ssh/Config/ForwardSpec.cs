using System.Globalization;

namespace Hop.Ssh.Config;

/// <summary>The kind of a forwarding line.</summary>
public enum ForwardKind
{
    Local,
    Remote,
    Dynamic,
}

/// <summary>
/// One LocalForward, RemoteForward or DynamicForward as OpenSSH parses it (parse_forward):
/// fields separated by ':', a field in [brackets] taken literally (IPv6), a field containing '/'
/// a Unix socket path. A dynamic forward (or a RemoteForward with only a listen side) has
/// <see cref="ConnectHost"/> "socks" and no connect port.
/// </summary>
public sealed record ForwardSpec
{
    public ForwardKind Kind { get; init; }
    /// <summary>Listen address, or null for the default (-L/-D: loopback unless GatewayPorts; -R: "localhost", the server decides).</summary>
    public string? ListenHost { get; init; }
    /// <summary>Listen port; 0 for a dynamically allocated remote port.</summary>
    public int ListenPort { get; init; }
    /// <summary>A Unix socket to listen on, instead of a port.</summary>
    public string? ListenPath { get; init; }
    /// <summary>Where to connect; "socks" for dynamic (SOCKS) forwards.</summary>
    public string? ConnectHost { get; init; }
    public int ConnectPort { get; init; }
    /// <summary>A Unix socket to connect to, instead of a host and port.</summary>
    public string? ConnectPath { get; init; }

    /// <summary>True when the far side is a SOCKS proxy (DynamicForward, or RemoteForward with one argument).</summary>
    public bool IsSocks => ConnectHost == "socks" && ConnectPath is null && ConnectPort == 0;

    /// <summary>Parses the argument(s) of a forwarding keyword; null when OpenSSH would reject it.</summary>
    public static ForwardSpec? Parse(ForwardKind kind, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0 || args[0].Length == 0) return null;
        string spec;
        if (kind == ForwardKind.Dynamic)
        {
            if (args.Count != 1) return null;
            spec = args[0];
        }
        else
        {
            if (args.Count > 2) return null;
            if (args.Count < 2 || args[1].Length == 0)
            {
                if (kind == ForwardKind.Local) return null;
                spec = args[0];
            }
            else
            {
                spec = args[0] + ":" + args[1];
            }
        }
        return ParseSpec(kind, spec);
    }

    private static ForwardSpec? ParseSpec(ForwardKind kind, string spec)
    {
        var fields = new List<(string Arg, bool IsPath)>();
        int i = 0;
        while (i < spec.Length && char.IsWhiteSpace(spec[i])) i++;
        bool trailing = false;
        while (fields.Count < 4)
        {
            if (i >= spec.Length) break;
            if (!NextField(spec, ref i, out var field)) break;
            fields.Add(field);
        }
        if (i < spec.Length) trailing = true;
        if (trailing) return null;
        int n = fields.Count;
        bool remote = kind == ForwardKind.Remote;
        ForwardSpec? f = n switch
        {
            1 => fields[0].IsPath
                ? new ForwardSpec { ListenPath = fields[0].Arg, ListenPort = -2, ConnectHost = "socks" }
                : new ForwardSpec { ListenPort = ToPort(fields[0].Arg), ConnectHost = "socks" },
            2 when fields[0].IsPath && fields[1].IsPath =>
                new ForwardSpec { ListenPath = fields[0].Arg, ListenPort = -2, ConnectPath = fields[1].Arg, ConnectPort = -2 },
            2 when fields[1].IsPath =>
                new ForwardSpec { ListenPort = ToPort(fields[0].Arg), ConnectPath = fields[1].Arg, ConnectPort = -2 },
            2 => new ForwardSpec { ListenHost = fields[0].Arg, ListenPort = ToPort(fields[1].Arg), ConnectHost = "socks" },
            3 when fields[0].IsPath =>
                new ForwardSpec { ListenPath = fields[0].Arg, ListenPort = -2, ConnectHost = fields[1].Arg, ConnectPort = ToPort(fields[2].Arg) },
            3 when fields[2].IsPath =>
                new ForwardSpec { ListenHost = fields[0].Arg, ListenPort = ToPort(fields[1].Arg), ConnectPath = fields[2].Arg, ConnectPort = -2 },
            3 => new ForwardSpec { ListenPort = ToPort(fields[0].Arg), ConnectHost = fields[1].Arg, ConnectPort = ToPort(fields[2].Arg) },
            4 => new ForwardSpec { ListenHost = fields[0].Arg, ListenPort = ToPort(fields[1].Arg), ConnectHost = fields[2].Arg, ConnectPort = ToPort(fields[3].Arg) },
            _ => null,
        };
        if (f is null) return null;
        f = f with { Kind = kind };
        if (kind == ForwardKind.Dynamic)
        {
            if (n is not (1 or 2)) return null;
        }
        else
        {
            // As parse_forward: fewer than three fields only with a Unix socket on one side (or a remote SOCKS forward).
            if (n is not (3 or 4) && !(remote && n is 1 or 2) && f.ConnectPath is null && f.ListenPath is null) return null;
            if (!(remote && f.IsSocks) && f.ConnectPort <= 0 && f.ConnectPath is null) return null;
        }
        if (f.ListenPort == -1 || (f.ListenPort < 0 && f.ListenPath is null) || (!remote && f.ListenPort == 0)) return null;
        if (f.ConnectPort == -1) return null;
        if ((f.ConnectHost?.Length ?? 0) >= 1025 || (f.ListenHost?.Length ?? 0) >= 1025) return null;
        if ((f.ConnectPath?.Length ?? 0) >= 104 || (f.ListenPath?.Length ?? 0) >= 104) return null;
        return f;
    }

    private static bool NextField(string s, ref int i, out (string Arg, bool IsPath) field)
    {
        field = default;
        if (s[i] == '[')
        {
            int close = i + 1;
            bool path = false;
            while (close < s.Length && s[close] != ']')
            {
                if (s[close] == '/') path = true;
                close++;
            }
            if (close >= s.Length || (close + 1 < s.Length && s[close + 1] != ':')) return false;
            field = (s[(i + 1)..close], path);
            i = close + 1 < s.Length ? close + 2 : close + 1;
            return true;
        }
        var sb = new System.Text.StringBuilder();
        bool isPath = false;
        while (i < s.Length)
        {
            char c = s[i];
            if (c == '\\')
            {
                if (i + 1 >= s.Length) return false;
                sb.Append(s[i + 1]);
                if (s[i + 1] == '/') isPath = true;
                i += 2;
                continue;
            }
            if (c == ':')
            {
                i++;
                field = (sb.ToString(), isPath);
                return true;
            }
            if (c == '/') isPath = true;
            sb.Append(c);
            i++;
        }
        field = (sb.ToString(), isPath);
        return true;
    }

    /// <summary>a2port: 0..65535, or -1 for anything else.</summary>
    private static int ToPort(string s)
    {
        if (s.Length == 0 || s.Length > 5 || !s.All(char.IsAsciiDigit)) return -1;
        int v = int.Parse(s, CultureInfo.InvariantCulture);
        return v <= 65535 ? v : -1;
    }

    /// <summary>The listen side as ssh -G prints it.</summary>
    public string ListenText =>
        ListenPath ?? (ListenHost is null ? ListenPort.ToString(CultureInfo.InvariantCulture) : $"[{ListenHost}]:{ListenPort.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>The connect side as ssh -G prints it.</summary>
    public string ConnectText =>
        ConnectPath ?? (ConnectHost is null ? ConnectPort.ToString(CultureInfo.InvariantCulture) : $"[{ConnectHost}]:{ConnectPort.ToString(CultureInfo.InvariantCulture)}");

    public override string ToString() => Kind == ForwardKind.Dynamic ? ListenText : ListenText + " " + ConnectText;
}
