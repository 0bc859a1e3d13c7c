using System.Globalization;

namespace Hop.Cli.Commands;

/// <summary>
/// `hop run`'s command line: parallel-ssh's options (pssh 2.3), short and long, with its PSSH_*
/// environment variables as defaults. Options end at the first word that is not one: the rest is
/// the command, joined with spaces as parallel-ssh joins it.
/// </summary>
internal sealed class RunArguments
{
    public const string Usage =
        "usage: hop run [-vAiIP] [-h hosts_file] [-H [user@]host[:port]] [-g pattern] [-l user] [-p par]\n" +
        "               [-o outdir] [-e errdir] [-t timeout] [-O options] [-x args] [-X arg] command ...";

    /// <summary>Options that take a value; the rest are flags.</summary>
    private const string WithValue = "hHlpoetOxXg";
    private const string Flags = "vAiIP";
    private const char InlineStdoutOption = '1';

    private static readonly Dictionary<string, char> LongNames = new(StringComparer.Ordinal)
    {
        ["--hosts"] = 'h', ["--host"] = 'H', ["--user"] = 'l', ["--par"] = 'p', ["--outdir"] = 'o',
        ["--errdir"] = 'e', ["--timeout"] = 't', ["--option"] = 'O', ["--verbose"] = 'v', ["--askpass"] = 'A',
        ["--extra-args"] = 'x', ["--extra-arg"] = 'X', ["--host-glob"] = 'g', ["--inline"] = 'i',
        ["--inline-stdout"] = InlineStdoutOption, ["--send-input"] = 'I', ["--print"] = 'P',
    };

    public List<string> HostFiles { get; } = [];
    public List<string> HostStrings { get; } = [];
    public string? HostGlob { get; private set; }
    public string? User { get; private set; }
    public int Parallelism { get; private set; } = 32;
    /// <summary>Seconds a host may take, connecting included; 0 for no limit.</summary>
    public int TimeoutSeconds { get; private set; } = 60;
    public string? OutDir { get; private set; }
    public string? ErrDir { get; private set; }
    public List<string> SshOptions { get; } = [];
    public List<string> ExtraArgs { get; } = [];
    public bool Verbose { get; private set; }
    public bool AskPassword { get; private set; }
    public bool Inline { get; private set; }
    public bool InlineStdout { get; private set; }
    public bool SendInput { get; private set; }
    public bool Print { get; private set; }
    public bool Help { get; private set; }
    public bool Version { get; private set; }
    public string Command { get; private set; } = "";

    /// <exception cref="UsageException">an unknown option, a missing or bad value.</exception>
    public static RunArguments Parse(string[] args, Func<string, string?> environment)
    {
        var a = new RunArguments();
        a.ApplyEnvironment(environment);
        int i = 0;
        while (i < args.Length)
        {
            string arg = args[i];
            if (arg == "--")
            {
                i++;
                break;
            }
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                i = a.ApplyLong(args, i);
                continue;
            }
            if (arg.Length < 2 || arg[0] != '-') break;
            i = a.ApplyShort(args, i);
        }
        a.Command = string.Join(' ', args[i..]);
        return a;
    }

    private int ApplyLong(string[] args, int i)
    {
        string name = args[i];
        string? value = null;
        int eq = name.IndexOf('=', StringComparison.Ordinal);
        if (eq > 0)
        {
            value = name[(eq + 1)..];
            name = name[..eq];
        }
        if (name == "--help") Help = true;
        else if (name == "--version") Version = true;
        else if (!LongNames.TryGetValue(name, out char option)) throw new UsageException($"no such option: {name}");
        else if (WithValue.Contains(option, StringComparison.Ordinal))
        {
            if (value is null && ++i >= args.Length) throw new UsageException($"{name} option requires an argument");
            Apply(option, value ?? args[i]);
        }
        else if (value is not null) throw new UsageException($"{name} option does not take a value");
        else Apply(option, null);
        return i + 1;
    }

    private int ApplyShort(string[] args, int i)
    {
        string arg = args[i];
        for (int k = 1; k < arg.Length; k++)
        {
            char option = arg[k];
            if (WithValue.Contains(option, StringComparison.Ordinal))
            {
                if (k + 1 < arg.Length) Apply(option, arg[(k + 1)..]);
                else if (++i < args.Length) Apply(option, args[i]);
                else throw new UsageException($"-{option} option requires an argument");
                return i + 1;
            }
            if (!Flags.Contains(option, StringComparison.Ordinal)) throw new UsageException($"no such option: -{option}");
            Apply(option, null);
        }
        return i + 1;
    }

    private void Apply(char option, string? value)
    {
        switch (option)
        {
            case 'h': HostFiles.Add(value!); break;
            case 'H': HostStrings.Add(value!); break;
            case 'l': User = value; break;
            case 'p': Parallelism = Number("-p", value!, min: 1); break;
            case 'o': OutDir = value; break;
            case 'e': ErrDir = value; break;
            case 't': TimeoutSeconds = Number("-t", value!, min: 0); break;
            case 'O': SshOptions.Add(value!); break;
            case 'x': ExtraArgs.AddRange(ShellWords.Split(value!)); break;
            case 'X': ExtraArgs.Add(value!); break;
            case 'g': HostGlob = value; break;
            case 'v': Verbose = true; break;
            case 'A': AskPassword = true; break;
            case 'i': Inline = true; break;
            case InlineStdoutOption: InlineStdout = true; break;
            case 'I': SendInput = true; break;
            case 'P': Print = true; break;
        }
    }

    /// <summary>parallel-ssh's defaults from the environment; the command line wins over them.</summary>
    private void ApplyEnvironment(Func<string, string?> environment)
    {
        static bool Set(string? v) => !string.IsNullOrEmpty(v);
        if (environment("PSSH_USER") is { Length: > 0 } user) User = user;
        if (environment("PSSH_PAR") is { Length: > 0 } par) Parallelism = Number("PSSH_PAR", par, min: 1);
        if (environment("PSSH_TIMEOUT") is { Length: > 0 } timeout) TimeoutSeconds = Number("PSSH_TIMEOUT", timeout, min: 0);
        if (environment("PSSH_OUTDIR") is { Length: > 0 } outdir) OutDir = outdir;
        if (environment("PSSH_ERRDIR") is { Length: > 0 } errdir) ErrDir = errdir;
        if (environment("PSSH_OPTIONS") is { Length: > 0 } options) SshOptions.Add(options);
        Verbose = Set(environment("PSSH_VERBOSE"));
        Print = Set(environment("PSSH_PRINT"));
        AskPassword = Set(environment("PSSH_ASKPASS"));
        Inline = Set(environment("PSSH_INLINE"));
    }

    private static int Number(string name, string value, int min) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min
            ? n
            : throw new UsageException($"{name}: invalid number '{value}'");
}
