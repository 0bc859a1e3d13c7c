namespace Hop.Cli;

/// <summary>
/// POSIX getopt over an OpenSSH-style option string ("46p:l:" — a colon marks an option that takes
/// an argument). Stops at the first operand or at "--". System.CommandLine cannot express
/// OpenSSH's clustered flags and its host-then-more-options rule, so the OpenSSH-compatible
/// commands parse with this.
/// </summary>
internal sealed class GetOpt
{
    private readonly string _spec;
    private readonly string[] _args;
    private int _index;
    private int _charIndex;

    public GetOpt(string spec, string[] args, int start = 0)
    {
        _spec = spec;
        _args = args;
        _index = start;
    }

    /// <summary>Index of the first argument not consumed as an option.</summary>
    public int Index => _index;

    /// <summary>Moves to <paramref name="index"/> to parse more options after an operand.</summary>
    public void Reset(int index)
    {
        _index = index;
        _charIndex = 0;
    }

    /// <summary>Returns the next option and its argument, or false at the end of the options.</summary>
    /// <exception cref="UsageException">an unknown option, or one that lacks its argument.</exception>
    public bool Next(out char option, out string? argument)
    {
        option = '\0';
        argument = null;
        if (_charIndex == 0)
        {
            if (_index >= _args.Length) return false;
            string a = _args[_index];
            if (a == "--")
            {
                _index++;
                return false;
            }
            if (a.Length < 2 || a[0] != '-') return false;
            _charIndex = 1;
        }
        string arg = _args[_index];
        option = arg[_charIndex++];
        int at = _spec.IndexOf(option, StringComparison.Ordinal);
        if (at < 0 || option == ':') throw new UsageException($"unknown option -- {option}");
        bool takesArgument = at + 1 < _spec.Length && _spec[at + 1] == ':';
        if (takesArgument)
        {
            if (_charIndex < arg.Length)
            {
                argument = arg[_charIndex..];
            }
            else if (_index + 1 < _args.Length)
            {
                argument = _args[++_index];
            }
            else
            {
                throw new UsageException($"option requires an argument -- {option}");
            }
            _index++;
            _charIndex = 0;
        }
        else if (_charIndex >= arg.Length)
        {
            _index++;
            _charIndex = 0;
        }
        return true;
    }
}

/// <summary>A command line the command cannot take; the message goes to stderr with the usage text.</summary>
internal sealed class UsageException(string message) : Exception(message);
