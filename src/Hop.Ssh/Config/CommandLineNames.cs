namespace Hop.Ssh.Config;

/// <summary>
/// CVE-2023-51385: a user or host name from the command line is expanded (%h, %r, %n ...) into
/// commands a shell runs — ProxyCommand, and Match exec while the config is still being read — so
/// a program that hands ssh an untrusted name could have it run commands. ssh refuses such names
/// before it reads any config (OpenSSH 9.6 ssh.c valid_hostname and valid_ruser; Debian's 9.2p1
/// carries the fix, and refuses ',' in a host name as well). Names written in a config file are
/// the user's own and are not checked.
/// </summary>
public static class CommandLineNames
{
    private const string HostMetacharacters = "'`\"$\\;&<>|(){},";
    private const string UserMetacharacters = "'`\";&<>|(){}";

    /// <summary>False for a host name that starts with '-' or holds a shell metacharacter, a comma, a space or a control character.</summary>
    public static bool IsValidHostName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.StartsWith('-')) return false;
        foreach (char c in name)
        {
            if (c <= ' ' || c == 0x7f || HostMetacharacters.Contains(c, StringComparison.Ordinal)) return false;
        }
        return true;
    }

    /// <summary>
    /// False for a user name that starts with '-', holds a shell metacharacter or a control
    /// character, has a space before a '-' or ends in '\'. '$', '\' and spaces elsewhere are
    /// allowed: Windows accounts ("DOMAIN\user", "machine$") have them.
    /// </summary>
    public static bool IsValidUserName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.StartsWith('-') || name.EndsWith('\\')) return false;
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (c < ' ' || c == 0x7f || UserMetacharacters.Contains(c, StringComparison.Ordinal)) return false;
            if (c == ' ' && i + 1 < name.Length && name[i + 1] == '-') return false;
        }
        return true;
    }

    /// <summary>Whether -w's "local[:remote]" is a tunnel device ssh takes (each unit a number or "any"); ssh refuses others with "Bad tun device '...'".</summary>
    public static bool IsTunnelDevice(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return ConfigValueParser.TunnelDevice(value) is not null;
    }

    /// <summary>
    /// The value of an -o option ("Keyword value" or "Keyword=value") when its keyword is
    /// <paramref name="keyword"/>, the keyword split off as the config reader splits a line;
    /// surrounding double quotes are removed. Null for another keyword.
    /// </summary>
    public static string? OptionValue(string line, string keyword)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (!ConfigTokenizer.SplitKeyword(line, out string written, out string value) || !written.Equals(keyword, StringComparison.OrdinalIgnoreCase))
            return null;
        return value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value;
    }
}
