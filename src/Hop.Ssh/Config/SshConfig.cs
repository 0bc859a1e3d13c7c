using System.Net;

namespace Hop.Ssh.Config;

/// <summary>
/// Reads ssh_config as OpenSSH's ssh does: -o options first, then -F FILE (or ~/.ssh/config and then
/// /etc/ssh/ssh_config), the first obtained value of a keyword winning; HostName substitution; host name
/// canonicalization; a second pass when canonicalization is on or a "Match final" line asks for it.
/// </summary>
public static class SshConfig
{
    /// <summary>Resolves the effective configuration for <paramref name="host"/> (the host as typed, without user@).</summary>
    /// <exception cref="SshConfigException">A syntax error, a bad value, an unsafe file or an unreadable -F file.</exception>
    public static ResolvedConfig Resolve(string host, ResolveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        options ??= new ResolveOptions();
        var store = new ConfigStore();
        var files = new List<string>();

        var first = new ConfigReader(options, store, host, host, finalPass: false);
        foreach (string line in options.CommandLineOptions) first.ReadCommandLine(line);
        if (options.User is not null) store.SetIfUnset(new ConfigEntry("user", [options.User], "command-line", 0));
        if (options.Port is int port)
            store.SetIfUnset(new ConfigEntry("port", [port.ToString(System.Globalization.CultureInfo.InvariantCulture)], "command-line", 0));
        ReadFiles(first, options);
        files.AddRange(first.FilesRead);

        // HostName substitution (%h and %% only), then lower case unless it is an address.
        string current = host;
        if (store.First("hostname") is string hostName)
            current = TokenExpander.ExpandPercent(hostName, new Dictionary<char, string> { ['h'] = host });
        current = LowerCaseHostName(current);

        bool reread = HostCanonicalizer.Apply(store, options, ref current);
        if (reread || first.WantFinalPass)
        {
            options.Log?.Invoke(1, "re-parsing configuration");
            SetHostName(store, current);
            var final = new ConfigReader(options, store, current, host, finalPass: true);
            ReadFiles(final, options);
            files.AddRange(final.FilesRead);
            if (store.First("hostname") is string again && again != current)
            {
                current = TokenExpander.ExpandPercent(again, new Dictionary<char, string> { ['h'] = current });
                current = LowerCaseHostName(current);
            }
        }
        return new ResolvedConfig(host, current, store, options, files);
    }

    /// <summary>ssh lower-cases the host name, but not addresses (nor names with a '%' scope, as OpenSSH 9.2 leaves them).</summary>
    private static string LowerCaseHostName(string host) =>
        IPAddress.TryParse(host, out _) || host.Contains('%', StringComparison.Ordinal) ? host : host.ToLowerInvariant();

    private static void SetHostName(ConfigStore store, string hostName)
    {
        var existing = store.All("hostname");
        var entry = existing.Count > 0
            ? existing[0] with { Arguments = [hostName] }
            : new ConfigEntry("hostname", [hostName], "command-line", 0);
        store.Replace(entry);
    }

    private static void ReadFiles(ConfigReader reader, ResolveOptions options)
    {
        if (options.ConfigFile is string file)
        {
            if (string.Equals(file, "none", StringComparison.OrdinalIgnoreCase)) return;
            if (!reader.ReadFile(file, userConf: true, checkPermissions: false))
                throw new SshConfigException($"Can't open user config file {file}: No such file or directory");
            return;
        }
        reader.ReadFile(options.EffectiveUserConfigFile, userConf: true, checkPermissions: true);
        reader.ReadFile(options.SystemConfigFile, userConf: false, checkPermissions: false);
    }
}
