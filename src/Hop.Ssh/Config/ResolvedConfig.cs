using System.Globalization;

namespace Hop.Ssh.Config;

/// <summary>
/// The effective client configuration for one destination: typed values with OpenSSH's defaults for
/// every keyword Hop acts on, paths with their tokens, ${ENV} and ~ expanded as OpenSSH expands them,
/// and raw access to every obtained value.
/// </summary>
public sealed partial class ResolvedConfig
{
    private readonly ConfigStore _store;
    private readonly ResolveOptions _options;

    internal ResolvedConfig(string originalHost, string hostName, ConfigStore store, ResolveOptions options, List<string> files)
    {
        _store = store;
        _options = options;
        OriginalHost = originalHost;
        HostName = hostName;
        FilesRead = files;
        Port = Raw("port") is string p ? ConfigValueParser.Port(p) : 22;
        User = Raw("user") ?? options.LocalUser;
        // ssh lowers the alias's ASCII letters once the config is read (ssh -G prints it so).
        HostKeyAlias = Raw("hostkeyalias") is string alias ? string.Concat(alias.Select(ch => char.IsAsciiLetterUpper(ch) ? char.ToLowerInvariant(ch) : ch)) : null;
        Tokens = TokenSet.ForMatchExec(options, hostName, originalHost, Port, User, HostKeyAlias ?? originalHost);
        Resolve();
    }

    // ---- Raw access ---------------------------------------------------------------------------

    /// <summary>The first obtained value's first argument, or null when the keyword was not set (aliases accepted).</summary>
    public string? Raw(string keyword) => _store.First(Canonical(keyword));

    /// <summary>Every obtained value of a keyword (one entry for first-wins keywords, all lines for accumulating ones).</summary>
    public IReadOnlyList<ConfigEntry> Entries(string keyword) => _store.All(Canonical(keyword));

    /// <summary>Every keyword that obtained a value, with its entries.</summary>
    public IReadOnlyDictionary<string, List<ConfigEntry>> AllEntries => _store.Values;

    /// <summary>OpenSSH keywords present in the files that Hop does not act on (first occurrence of each): report under -v.</summary>
    public IReadOnlyList<ConfigEntry> UnsupportedKeywords => _store.Unsupported;

    /// <summary>Unknown keywords skipped because IgnoreUnknown matched them.</summary>
    public IReadOnlyList<ConfigEntry> IgnoredUnknownKeywords => _store.IgnoredUnknown;

    /// <summary>The configuration files read, in order (for -v).</summary>
    public IReadOnlyList<string> FilesRead { get; }

    /// <summary>The tokens %C %d %h %i %k %L %l %n %p %r %u for this destination.</summary>
    public IReadOnlyDictionary<char, string> Tokens { get; }

    private static string Canonical(string keyword) => ConfigKeywords.Find(keyword)?.Name ?? keyword.ToLowerInvariant();

    // ---- Expansion ------------------------------------------------------------------------------

    /// <summary>~, then ${ENV} and %tokens in one pass: how OpenSSH expands IdentityFile, CertificateFile, IdentityAgent,
    /// ForwardAgent, ControlPath and UserKnownHostsFile.</summary>
    public string ExpandPath(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        string s = TokenExpander.ExpandTilde(value, _options.HomeDirectory, _options.LocalUser);
        return TokenExpander.ExpandPercentAndEnvironment(s, Tokens, _options.Environment);
    }

    /// <summary>
    /// LocalCommand with its tokens expanded: %C %d %h %i %k %L %l %n %p %r %u, %j (the ProxyJump,
    /// or empty) and %T ("NONE": no tunnel device); null when there is none.
    /// </summary>
    public string? ExpandedLocalCommand => ExpandLocalCommand(null);

    /// <summary>LocalCommand expanded as <see cref="ExpandedLocalCommand"/>, %T being <paramref name="tunnelDevice"/> (the -w interface), "NONE" when null.</summary>
    public string? ExpandLocalCommand(string? tunnelDevice) => LocalCommand is null ? null : TokenExpander.ExpandPercent(LocalCommand,
        new Dictionary<char, string>(Tokens) { ['j'] = ProxyJump ?? "", ['T'] = tunnelDevice ?? "NONE" });

    /// <summary>RemoteCommand with its tokens expanded: %C %d %h %i %k %L %l %n %p %r %u and %j; null when there is none.</summary>
    public string? ExpandedRemoteCommand => RemoteCommand is null ? null : TokenExpander.ExpandPercent(RemoteCommand,
        new Dictionary<char, string>(Tokens) { ['j'] = ProxyJump ?? "" });

    /// <summary>ProxyCommand with %h %n %p %r expanded (null when there is none).</summary>
    public string? ExpandedProxyCommand => ProxyCommand is null ? null : TokenExpander.ExpandPercent(ProxyCommand,
        new Dictionary<char, string> { ['h'] = HostName, ['n'] = OriginalHost, ['p'] = Port.ToString(CultureInfo.InvariantCulture), ['r'] = User });

    /// <summary>percent_dollar_expand of one argument with <see cref="Tokens"/> and <paramref name="more"/> (KnownHostsCommand's).</summary>
    internal string ExpandArgument(string argument, IReadOnlyDictionary<char, string> more)
    {
        var tokens = new Dictionary<char, string>(Tokens);
        foreach (var (k, v) in more) tokens[k] = v;
        return TokenExpander.ExpandPercentAndEnvironment(argument, tokens, _options.Environment);
    }

    private bool Flag(string keyword, bool fallback) =>
        Raw(keyword) is string v ? ConfigValueParser.Flag(v) ?? fallback : fallback;

    private TimeSpan Time(string keyword, long fallbackSeconds) =>
        TimeSpan.FromSeconds(Raw(keyword) is string v ? ConfigValueParser.Time(v) : fallbackSeconds);

    private int Integer(string keyword, int fallback) =>
        Raw(keyword) is string v ? ConfigValueParser.StrToNum(v, out _) : fallback;

    private IReadOnlyList<string> Algorithms(string keyword, AlgorithmCategory category) =>
        AlgorithmList.Resolve(Raw(keyword), category);
}
