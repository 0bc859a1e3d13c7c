namespace Hop.Ssh.Config;

/// <summary>
/// PermitRemoteOpen (ssh_config(5)): the destinations a remote dynamic forward (-R port, a SOCKS proxy
/// on the server's side) may have the client connect to. "any" (the default) or "none" alone, or
/// host:port, IPv4:port, [IPv6]:port entries, where "*" stands for any host or any port. As in
/// OpenSSH, a host is compared as written, with no pattern matching and no address lookups.
/// </summary>
public sealed class PermitRemoteOpen
{
    private readonly (string Host, int Port)[]? _allowed; // null: any; Port -1: any port

    private PermitRemoteOpen((string, int)[]? allowed, string text)
    {
        _allowed = allowed;
        Text = text;
    }

    /// <summary>No restriction (no PermitRemoteOpen, or "any").</summary>
    public static PermitRemoteOpen Any { get; } = new(null, "any");

    /// <summary>The value as ssh -G prints it.</summary>
    public string Text { get; }

    /// <summary>Whether a SOCKS request for <paramref name="host"/>:<paramref name="port"/> may be connected.</summary>
    public bool Permits(string host, int port) =>
        _allowed is null || _allowed.Any(a => (a.Port == -1 || a.Port == port) && (a.Host == "*" || a.Host == host));

    /// <summary>The arguments' meaning; they must have passed <see cref="Check"/>.</summary>
    public static PermitRemoteOpen Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string text = string.Join(' ', args);
        if (args.Count == 1 && string.Equals(args[0], "any", StringComparison.OrdinalIgnoreCase)) return new PermitRemoteOpen(null, text);
        if (args.Count == 1 && string.Equals(args[0], "none", StringComparison.OrdinalIgnoreCase)) return new PermitRemoteOpen([], text);
        var allowed = new (string, int)[args.Count];
        for (int i = 0; i < args.Count; i++)
        {
            if (Split(args[i]) is not var (host, port) || port == 0)
                throw new ArgumentException($"not a PermitRemoteOpen entry: {args[i]}", nameof(args));
            allowed[i] = (host, port);
        }
        return new PermitRemoteOpen(allowed, text);
    }

    /// <summary>OpenSSH's complaint about the arguments (after "file line N: "), or null when they are good.</summary>
    public static string? Check(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        foreach (string arg in args)
        {
            if (string.Equals(arg, "any", StringComparison.OrdinalIgnoreCase) || string.Equals(arg, "none", StringComparison.OrdinalIgnoreCase))
            {
                if (args.Count > 1) return $"keyword permitremoteopen \"{arg}\" argument must appear alone.";
                continue;
            }
            var parts = Split(arg);
            if (parts is null) return "missing host in permitremoteopen";
            if (parts.Value.Port == 0) return "bad port number in permitremoteopen";
        }
        return null;
    }

    /// <summary>host:port or [host]:port; port -1 for "*", 0 when missing or bad; null when there is no host.</summary>
    private static (string Host, int Port)? Split(string arg)
    {
        string host, port;
        if (arg.StartsWith('['))
        {
            int close = arg.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) return null;
            host = arg[1..close];
            if (close + 1 == arg.Length) return (host, 0);
            if (arg[close + 1] != ':') return null;
            port = arg[(close + 2)..];
        }
        else
        {
            int colon = arg.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) return (arg, 0);
            host = arg[..colon];
            port = arg[(colon + 1)..];
        }
        if (port == "*") return (host, -1);
        int value = ConfigValueParser.Port(port);
        return (host, value > 0 ? value : 0);
    }
}
