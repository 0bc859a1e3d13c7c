namespace Hop.Ssh.Config;

/// <summary>
/// What the command line and the local account contribute to <see cref="SshConfig.Resolve"/>.
/// Defaults come from the environment; tests set them explicitly.
/// </summary>
public sealed class ResolveOptions
{
    /// <summary>The user from -l or user@host (applied after <see cref="CommandLineOptions"/>, before the files).</summary>
    public string? User { get; init; }

    /// <summary>The port from -p (applied after <see cref="CommandLineOptions"/>, before the files).</summary>
    public int? Port { get; init; }

    /// <summary>
    /// The -o options in command-line order ("Keyword=value" or "Keyword value"). First obtained value wins,
    /// so to keep OpenSSH's exact order between -o, -l and -p the CLI may pass -l/-p as "User=..."/"Port=..." here.
    /// </summary>
    public IReadOnlyList<string> CommandLineOptions { get; init; } = [];

    /// <summary>-F: replaces the user file and skips the system file; "none" reads no file at all.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>The user file read when there is no -F (default ~/.ssh/config); permission-checked.</summary>
    public string? UserConfigFile { get; init; }

    /// <summary>The system file read after the user file when there is no -F.</summary>
    public string SystemConfigFile { get; init; } = "/etc/ssh/ssh_config";

    /// <summary>Where relative Include paths of user files point (OpenSSH: ~/.ssh through glob's $HOME).</summary>
    public string? UserConfigDirectory { get; init; }

    /// <summary>Where relative Include paths of the system file point.</summary>
    public string SystemConfigDirectory { get; init; } = "/etc/ssh";

    /// <summary>The local user name (%u, Match localuser, the default User).</summary>
    public string LocalUser { get; init; } = System.Environment.UserName;

    /// <summary>The local home directory (%d, ~).</summary>
    public string HomeDirectory { get; init; } = System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);

    /// <summary>The local user id (%i).</summary>
    public string LocalUserId { get; init; } = LocalAccount.UserId().ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The local host name with its domain (%l); %L is its first label.</summary>
    public string LocalHostName { get; init; } = System.Net.Dns.GetHostName();

    /// <summary>Looks up environment variables for ${NAME} (default: the process environment).</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Runs a Match exec command; true when it exits 0 (default: $SHELL -c, else /bin/sh -c).</summary>
    public Func<string, bool>? MatchExec { get; init; }

    /// <summary>The system resolver, for CanonicalizeHostname and CanonicalizePermittedCNAMEs (tests may stand in for it).</summary>
    public Func<string, AddressFamily, HostLookup> LookupHost { get; init; } = HostLookup.System;

    /// <summary>Where the debug lines of resolving go (level 1..3, shown from -v, -vv, -vvv); none when null.</summary>
    public Action<int, string>? Log { get; init; }

    /// <summary>The algorithm lists that Ciphers, MACs, ... are resolved against (+, -, ^ and patterns).</summary>
    public AlgorithmDefaults Algorithms { get; init; } = AlgorithmDefaults.OpenSsh;

    /// <summary>Refuse config files with group/world write permission or a foreign owner (as OpenSSH).</summary>
    public bool CheckPermissions { get; init; } = true;

    internal string EffectiveUserConfigDirectory => UserConfigDirectory ?? Path.Combine(HomeDirectory, ".ssh");

    internal string EffectiveUserConfigFile => UserConfigFile ?? Path.Combine(HomeDirectory, ".ssh", "config");
}
