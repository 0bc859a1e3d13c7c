using System.Text;

namespace Hop.Ssh.Config;

/// <summary>
/// Reads ssh_config files and -o lines into a <see cref="ConfigStore"/>, evaluating Host and Match
/// and following Include, as OpenSSH's readconf.c does.
/// </summary>
internal sealed partial class ConfigReader
{
    /// <summary>OpenSSH's READCONF_MAX_DEPTH.</summary>
    public const int MaxIncludeDepth = 16;
    /// <summary>Files larger than this are refused.</summary>
    public const long MaxFileBytes = 4 * 1024 * 1024;
    /// <summary>Lines longer than this are refused.</summary>
    public const int MaxLineChars = 64 * 1024;

    private readonly ResolveOptions _options;
    private readonly ConfigStore _store;
    private readonly string _host;
    private readonly string _originalHost;
    private readonly bool _finalPass;

    public ConfigReader(ResolveOptions options, ConfigStore store, string host, string originalHost, bool finalPass)
    {
        _options = options;
        _store = store;
        _host = host;
        _originalHost = originalHost;
        _finalPass = finalPass;
    }

    /// <summary>Set when a "Match final" (or canonical) line was seen: the files must be read a second time.</summary>
    public bool WantFinalPass { get; private set; }

    /// <summary>Every file read, in order (for -v).</summary>
    public List<string> FilesRead { get; } = [];

    /// <summary>Applies one -o option.</summary>
    public void ReadCommandLine(string line)
    {
        bool active = true;
        ProcessLine(line, "command-line", 0, ref active, userConf: true, neverMatch: false, depth: 0, commandLine: true);
    }

    /// <summary>Reads a file; false when it does not exist.</summary>
    public bool ReadFile(string path, bool userConf, bool checkPermissions)
    {
        bool active = true;
        return ReadFile(path, userConf, checkPermissions, neverMatch: false, ref active, depth: 0);
    }

    private bool ReadFile(string path, bool userConf, bool checkPermissions, bool neverMatch, ref bool active, int depth)
    {
        if (depth > MaxIncludeDepth) throw new SshConfigException("Too many recursive configuration includes");
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SshConfigException($"Can't open user config file {path}: {e.Message}", e);
        }
        using (stream)
        {
            if (checkPermissions && _options.CheckPermissions) FileSafety.CheckConfigFile(path);
            // A pipe or a device (-F /dev/stdin, -F NUL on Windows) has no length: its lines are counted instead.
            if (stream.CanSeek && stream.Length > MaxFileBytes) throw new SshConfigException($"{path}: file too large");
            FilesRead.Add(path);
            using var reader = new StreamReader(stream, new UTF8Encoding(false, false));
            int lineNumber = 0;
            long read = 0;
            var sb = new StringBuilder();
            while (ReadLine(reader, sb, path, lineNumber + 1) is string line)
            {
                read += line.Length + 1;
                if (read > MaxFileBytes) throw new SshConfigException($"{path}: file too large");
                lineNumber++;
                ProcessLine(line, path, lineNumber, ref active, userConf, neverMatch, depth, commandLine: false);
            }
        }
        return true;
    }

    private static string? ReadLine(StreamReader reader, StringBuilder sb, string path, int lineNumber)
    {
        sb.Clear();
        int c;
        bool any = false;
        while ((c = reader.Read()) >= 0)
        {
            any = true;
            if (c == '\n') return sb.ToString();
            if (sb.Length >= MaxLineChars) throw new SshConfigException(path, lineNumber, "line too long");
            sb.Append((char)c);
        }
        return any ? sb.ToString() : null;
    }

    private void ProcessLine(string line, string file, int lineNumber, ref bool active, bool userConf, bool neverMatch, int depth, bool commandLine)
    {
        if (!ConfigTokenizer.SplitKeyword(line, out string keywordAsWritten, out string rest)) return;
        string keyword = keywordAsWritten.ToLowerInvariant();
        if (rest.Length == 0) throw new SshConfigException(file, lineNumber, $"no argument after keyword \"{keyword}\"");
        KeywordInfo? info = ConfigKeywords.Find(keyword);
        if (info is null)
        {
            string? ignore = _store.First("ignoreunknown");
            if (ignore is not null && SshPattern.MatchList(keyword, ignore, ignoreCase: true) == 1)
            {
                _store.IgnoredUnknown.Add(new ConfigEntry(keyword, [rest], file, lineNumber));
                return;
            }
            throw new SshConfigException(file, lineNumber, $"Bad configuration option: {keyword}");
        }

        if (info.Name == "match")
        {
            if (commandLine) throw new SshConfigException(file, lineNumber, "Match directive not supported as a command-line option");
            bool result = MatchLine(rest, file, lineNumber);
            active = !neverMatch && result;
            return;
        }

        // ssh splits every line into words first, so a command with an unclosed quote is refused too, though kept whole.
        List<string>? args = ConfigTokenizer.SplitArguments(rest);
        if (args is null) throw new SshConfigException(file, lineNumber, "invalid quotes");
        if (info.Shape == ValueShape.Command) args = [TrimCommand(rest)];

        switch (info.Support)
        {
            case KeywordSupport.Structural when info.Name == "host":
                if (commandLine) throw new SshConfigException(file, lineNumber, "Host directive not supported as a command-line option");
                active = HostLine(args, file, lineNumber, neverMatch);
                return;
            case KeywordSupport.Structural:
                if (commandLine) throw new SshConfigException(file, lineNumber, "Include directive not supported as a command-line option");
                IncludeLine(args, file, lineNumber, ref active, userConf, depth);
                return;
            case KeywordSupport.Ignored:
                return;
            case KeywordSupport.Unsupported:
                if (!_store.Unsupported.Any(e => e.Keyword == info.Name))
                    _store.Unsupported.Add(new ConfigEntry(info.Name, args, file, lineNumber));
                if (active) _store.SetIfUnset(new ConfigEntry(info.Name, args, file, lineNumber));
                return;
        }

        if (info.Shape == ValueShape.Forward) args = ExpandForwardEnvironment(args, file, lineNumber);
        string? error = ConfigValueParser.Check(info, args);
        if (error is null && info.Shape == ValueShape.Algorithms && AlgorithmList.Check(args[0], CategoryOf(info.Name)) is not null)
            error = AlgorithmList.BadSpecMessage(info.Name, args[0]);
        // OpenSSH counts suffixes and CNAME rules only on the line that sets them.
        if (error is null && active && info.Name is "canonicaldomains" or "canonicalizepermittedcnames" && !_store.Has(info.Name) && args.Count > CanonicalDomainList.Max)
            error = info.Name == "canonicaldomains" ? "too many hostname suffixes." : "too many permitted CNAMEs.";
        if (error is not null) throw new SshConfigException(file, lineNumber, error);
        // OpenSSH 9.2 sets StreamLocalBindMask from every line it reads, in a matching block or not, so the
        // last one read wins (a system file's over -o and the user's file).
        if (info.Name == "streamlocalbindmask") _store.Replace(new ConfigEntry(info.Name, args, file, lineNumber));
        else if (active) _store.Apply(info, new ConfigEntry(info.Name, args, file, lineNumber));
    }

    /// <summary>
    /// OpenSSH's parse_forward expands ${NAME} in the whole specification before splitting it into fields, on every
    /// line (active or not), so a variable may hold a port, a host or a socket path; an unset one makes the line bad.
    /// The %tokens of socket paths are expanded later, once the destination is known.
    /// </summary>
    private List<string> ExpandForwardEnvironment(List<string> args, string file, int lineNumber)
    {
        try
        {
            return args.Select(a => TokenExpander.ExpandEnvironment(a, _options.Environment)).ToList();
        }
        catch (SshConfigException e)
        {
            throw new SshConfigException(file, lineNumber, $"Bad forwarding specification. ({e.Message})");
        }
    }

    private AlgorithmCategory CategoryOf(string keyword) => keyword switch
    {
        "ciphers" => _options.Algorithms.Ciphers,
        "macs" => _options.Algorithms.Macs,
        "kexalgorithms" => _options.Algorithms.Kex,
        "hostkeyalgorithms" => _options.Algorithms.HostKey,
        "casignaturealgorithms" => _options.Algorithms.CaSignature,
        _ => _options.Algorithms.PubkeyAccepted,
    };

    private static string TrimCommand(string rest)
    {
        int i = 0;
        while (i < rest.Length && (rest[i] is ' ' or '\t' or '\r' or '\n' or '=')) i++;
        return rest[i..];
    }

    private bool HostLine(List<string> args, string file, int lineNumber, bool neverMatch)
    {
        bool active = false;
        foreach (string raw in args)
        {
            if (raw.Length == 0) throw new SshConfigException(file, lineNumber, "keyword host empty argument");
            if (neverMatch) break;
            bool negated = raw.StartsWith('!');
            string pattern = negated ? raw[1..] : raw;
            if (SshPattern.Match(_host, pattern))
            {
                if (negated) return false;
                active = true;
            }
        }
        return active;
    }

    private void IncludeLine(List<string> args, string file, int lineNumber, ref bool active, bool userConf, int depth)
    {
        foreach (string arg in args)
        {
            if (arg.Length == 0) throw new SshConfigException(file, lineNumber, "keyword include empty argument");
            if (arg.StartsWith('~') && !userConf) throw new SshConfigException(file, lineNumber, $"bad include path {arg}.");
            string path;
            if (arg.StartsWith('~'))
                path = TokenExpander.ExpandTilde(arg, _options.HomeDirectory, _options.LocalUser);
            else if (!Path.IsPathRooted(arg))
                path = Path.Combine(userConf ? _options.EffectiveUserConfigDirectory : _options.SystemConfigDirectory, arg);
            else
                path = arg;
            bool outerActive = active;
            foreach (string match in Glob.Expand(path))
            {
                bool includeActive = active;
                ReadFile(match, userConf, checkPermissions: true, neverMatch: !outerActive, ref includeActive, depth + 1);
                active = outerActive;
            }
        }
    }
}
