using System.Text;

namespace Hop.Ssh.Config;

/// <summary>
/// ssh_config's run-time expansions: percent tokens (%h, %p, %r, ... see ssh_config(5) TOKENS),
/// ${ENV} variables and a leading ~. An unknown token or an unset variable is an error, as in OpenSSH.
/// </summary>
public static class TokenExpander
{
    /// <summary>percent_expand: replaces %X by <paramref name="tokens"/>[X] and %% by %.</summary>
    /// <exception cref="SshConfigException">An unknown token or a lone trailing %.</exception>
    public static string ExpandPercent(string text, IReadOnlyDictionary<char, string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return Expand(text, tokens, lookup: null);
    }

    /// <summary>dollar_expand: replaces ${NAME} by the variable's value.</summary>
    /// <exception cref="SshConfigException">An unterminated ${ or an unset variable.</exception>
    public static string ExpandEnvironment(string text, Func<string, string?> lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        return Expand(text, tokens: null, lookup);
    }

    /// <summary>
    /// percent_dollar_expand: ${NAME} and %X in one pass, so a variable's value is taken as it is (a % in it stays)
    /// and a token's value is never searched for ${.
    /// </summary>
    /// <exception cref="SshConfigException">An unknown token, a lone trailing %, an unterminated ${ or an unset variable.</exception>
    public static string ExpandPercentAndEnvironment(string text, IReadOnlyDictionary<char, string> tokens, Func<string, string?> lookup)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(lookup);
        return Expand(text, tokens, lookup);
    }

    private static string Expand(string text, IReadOnlyDictionary<char, string>? tokens, Func<string, string?>? lookup)
    {
        ArgumentNullException.ThrowIfNull(text);
        bool percent = tokens is not null && text.Contains('%', StringComparison.Ordinal);
        bool dollar = lookup is not null && text.Contains("${", StringComparison.Ordinal);
        if (!percent && !dollar) return text;
        var sb = new StringBuilder(text.Length + 32);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (dollar && c == '$' && i + 1 < text.Length && text[i + 1] == '{')
            {
                int close = text.IndexOf('}', i + 2);
                if (close < 0) throw new SshConfigException($"invalid environment variable in \"{text}\": missing }}");
                string name = text[(i + 2)..close];
                if (name.Length == 0 || !name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_'))
                    throw new SshConfigException($"invalid environment variable name \"{name}\"");
                string? value = lookup!(name);
                if (value is null) throw new SshConfigException($"env var ${{{name}}} has no value");
                sb.Append(value);
                i = close;
                continue;
            }
            if (!percent || c != '%')
            {
                sb.Append(c);
                continue;
            }
            if (++i >= text.Length) throw new SshConfigException($"invalid format string \"{text}\": trailing %");
            char key = text[i];
            if (key == '%')
            {
                sb.Append('%');
                continue;
            }
            if (!tokens!.TryGetValue(key, out string? token))
                throw new SshConfigException($"percent_expand: unknown key %{key} in \"{text}\"");
            sb.Append(token);
        }
        return sb.ToString();
    }

    /// <summary>tilde_expand_filename: "~" and "~/..." → the home directory; "~user/..." only for the local user.</summary>
    public static string ExpandTilde(string path, string homeDirectory, string localUser)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(homeDirectory);
        if (!path.StartsWith('~')) return path;
        int slash = path.IndexOf('/', StringComparison.Ordinal);
        string user = slash < 0 ? path[1..] : path[1..slash];
        string rest = slash < 0 ? "" : path[(slash + 1)..];
        if (user.Length != 0 && user != localUser)
            throw new SshConfigException($"tilde_expand: No such user {user}");
        string home = homeDirectory.TrimEnd('/');
        return rest.Length == 0 ? (home.Length == 0 ? "/" : home) : home + "/" + rest;
    }
}
