namespace Hop.Ssh.Config;

/// <summary>
/// The options obtained so far. The first obtained value of a keyword wins, except for the
/// keywords that accumulate (IdentityFile, CertificateFile, the forwards, SendEnv), as in OpenSSH's readconf.
/// </summary>
internal sealed class ConfigStore
{
    private readonly Dictionary<string, List<ConfigEntry>> _values = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, List<ConfigEntry>> Values => _values;

    /// <summary>Known OpenSSH keywords Hop does not act on, first occurrence of each.</summary>
    public List<ConfigEntry> Unsupported { get; } = [];

    /// <summary>Unknown keywords skipped because IgnoreUnknown matched them.</summary>
    public List<ConfigEntry> IgnoredUnknown { get; } = [];

    public bool Has(string keyword) => _values.ContainsKey(keyword);

    public string? First(string keyword) =>
        _values.TryGetValue(keyword, out var list) && list.Count > 0 ? list[0].Value : null;

    public IReadOnlyList<ConfigEntry> All(string keyword) =>
        _values.TryGetValue(keyword, out var list) ? list : [];

    public void Replace(ConfigEntry entry) => _values[entry.Keyword] = [entry];

    public void SetIfUnset(ConfigEntry entry)
    {
        if (!_values.ContainsKey(entry.Keyword)) _values[entry.Keyword] = [entry];
    }

    private List<ConfigEntry> ListOf(string keyword)
    {
        if (!_values.TryGetValue(keyword, out var list))
        {
            list = [];
            _values[keyword] = list;
        }
        return list;
    }

    /// <summary>Stores one checked line of a supported keyword (the block is active).</summary>
    public void Apply(KeywordInfo info, ConfigEntry entry)
    {
        switch (info.Shape)
        {
            case ValueShape.Accumulate:
                {
                    var list = ListOf(entry.Keyword);
                    if (!list.Any(e => e.Value == entry.Value)) list.Add(entry);
                    break;
                }
            case ValueShape.Forward:
                {
                    // Dynamic forwards live with the local ones in OpenSSH; equality is on the parsed spec.
                    var kind = KindOf(entry.Keyword);
                    var spec = ForwardSpec.Parse(kind, entry.Arguments)!;
                    var list = ListOf(entry.Keyword);
                    if (!list.Any(e => ForwardSpec.Parse(kind, e.Arguments) == spec)) list.Add(entry);
                    break;
                }
            case ValueShape.Special when entry.Keyword == "sendenv":
                {
                    var list = ListOf("sendenv");
                    foreach (string arg in entry.Arguments)
                    {
                        if (arg.StartsWith('-'))
                        {
                            string pattern = arg[1..];
                            list.RemoveAll(e => SshPattern.Match(e.Value, pattern));
                        }
                        else
                        {
                            list.Add(entry with { Arguments = [arg] });
                        }
                    }
                    break;
                }
            case ValueShape.Special when entry.Keyword == "setenv":
                {
                    if (Has("setenv")) break;
                    var list = ListOf("setenv");
                    foreach (string arg in entry.Arguments)
                    {
                        string name = arg[..arg.IndexOf('=', StringComparison.Ordinal)];
                        if (list.Any(e => e.Value.StartsWith(name + "=", StringComparison.Ordinal))) continue;
                        list.Add(entry with { Arguments = [arg] });
                    }
                    break;
                }
            case ValueShape.Command when entry.Keyword == "proxycommand":
                // A ProxyJump obtained earlier wins, unless it was "none" (OpenSSH 9.2 lets ProxyCommand through then).
                if (!(First("proxyjump") is string jump && !string.Equals(jump, "none", StringComparison.OrdinalIgnoreCase))) SetIfUnset(entry);
                break;
            case ValueShape.Text when entry.Keyword == "proxyjump":
                if (!Has("proxycommand")) SetIfUnset(entry);
                break;
            default:
                SetIfUnset(entry);
                break;
        }
    }

    public static ForwardKind KindOf(string keyword) => keyword switch
    {
        "localforward" => ForwardKind.Local,
        "remoteforward" => ForwardKind.Remote,
        _ => ForwardKind.Dynamic,
    };
}
