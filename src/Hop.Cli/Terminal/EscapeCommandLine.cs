using Hop.Ssh.Config;

namespace Hop.Cli.Terminal;

/// <summary>What a "~C" command line asks for.</summary>
internal enum CommandLineRequest
{
    /// <summary>An empty line: nothing to do, nothing to say.</summary>
    Nothing,
    Help,
    /// <summary><see cref="ParsedCommandLine.Message"/> says what was wrong.</summary>
    Invalid,
    /// <summary>-L, -R or -D: open the forward in <see cref="ParsedCommandLine.Spec"/>.</summary>
    Add,
    /// <summary>-KL, -KR or -KD: close the forward whose listen side <see cref="ParsedCommandLine.Spec"/> names.</summary>
    Cancel,
}

/// <summary>A parsed "~C" line: the request, the forward kind and spec, or the message for a bad line.</summary>
internal sealed record ParsedCommandLine(CommandLineRequest Request, ForwardKind Kind = ForwardKind.Local, ForwardSpec? Spec = null, string? Message = null);

/// <summary>
/// The "~C" command line of OpenSSH's ssh (its process_cmdline): "-L spec", "-R spec", "-D spec"
/// add a forward, "-KL [bind:]port", "-KR [bind:]port", "-KD [bind:]port" cancel one, "-h" or "?"
/// lists the commands. The leading "-" is optional, as in OpenSSH; the messages are OpenSSH's.
/// </summary>
internal static class EscapeCommandLine
{
    public const string Prompt = "\r\nssh> ";
    public const string Disabled = "commandline disabled\r\n";
    public const string InvalidCommand = "Invalid command.";
    public const string BadClose = "Bad forwarding close specification.";
    public const string BadLocal = "Bad local forwarding specification.";
    public const string BadRemote = "Bad remote forwarding specification.";
    public const string Added = "Forwarding port.";
    public const string AddFailed = "Port forwarding failed.";
    public const string Canceled = "Canceled forwarding.";
    public const string Unknown = "Unknown port forwarding.";

    public const string HelpText =
        "Commands:\r\n" +
        "      -L[bind_address:]port:host:hostport    Request local forward\r\n" +
        "      -R[bind_address:]port:host:hostport    Request remote forward\r\n" +
        "      -D[bind_address:]port                  Request dynamic forward\r\n" +
        "      -KL[bind_address:]port                 Cancel local forward\r\n" +
        "      -KR[bind_address:]port                 Cancel remote forward\r\n" +
        "      -KD[bind_address:]port                 Cancel dynamic forward\r\n";

    public static ParsedCommandLine Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        int i = 0;
        while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
        if (i < line.Length && line[i] == '-') i++;
        if (i >= line.Length) return new ParsedCommandLine(CommandLineRequest.Nothing);
        if (line[i] is 'h' or 'H' or '?') return new ParsedCommandLine(CommandLineRequest.Help);
        bool cancel = false;
        if (line[i] == 'K')
        {
            cancel = true;
            i++;
        }
        ForwardKind kind;
        switch (i < line.Length ? line[i] : '\0')
        {
            case 'L': kind = ForwardKind.Local; break;
            case 'R': kind = ForwardKind.Remote; break;
            case 'D': kind = ForwardKind.Dynamic; break;
            default: return new ParsedCommandLine(CommandLineRequest.Invalid, Message: InvalidCommand);
        }
        i++;
        while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
        string spec = line[i..].TrimEnd();
        if (cancel)
        {
            // As OpenSSH: a close specification has the dynamic form, [bind_address:]port or a path.
            var listen = spec.Length == 0 ? null : ForwardSpec.Parse(ForwardKind.Dynamic, [spec]);
            return listen is null
                ? new ParsedCommandLine(CommandLineRequest.Invalid, kind, Message: BadClose)
                : new ParsedCommandLine(CommandLineRequest.Cancel, kind, listen with { Kind = kind });
        }
        var parsed = spec.Length == 0 ? null : ParseAdd(kind, spec);
        return parsed is null
            ? new ParsedCommandLine(CommandLineRequest.Invalid, kind, Message: kind == ForwardKind.Remote ? BadRemote : BadLocal)
            : new ParsedCommandLine(CommandLineRequest.Add, kind, parsed);
    }

    /// <summary>
    /// A -L/-R/-D argument as the command line gives it ("[bind:]port:host:hostport"). The config
    /// keyword's parser takes the listen and connect sides as two arguments and joins them with
    /// ':', so cutting the text at any ':' gives it back unchanged.
    /// </summary>
    private static ForwardSpec? ParseAdd(ForwardKind kind, string spec)
    {
        if (kind == ForwardKind.Local)
        {
            int colon = spec.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? null : ForwardSpec.Parse(kind, [spec[..colon], spec[(colon + 1)..]]);
        }
        return ForwardSpec.Parse(kind, [spec]);
    }

    /// <summary>
    /// The listen address as OpenSSH compares listeners when cancelling (channel_fwd_bind_addr on
    /// the client): none, "", "*" and "localhost" are all the default; any other text stands for itself.
    /// </summary>
    public static string? ListenKey(string? host) => host is null or "" or "*" or "localhost" ? null : host;
}
