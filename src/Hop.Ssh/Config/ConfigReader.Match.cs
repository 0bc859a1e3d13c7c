using System.Diagnostics;
using System.Globalization;

namespace Hop.Ssh.Config;

internal sealed partial class ConfigReader
{
    /// <summary>Evaluates a Match line's criteria (match_cfg_line); throws for a bad condition.</summary>
    private bool MatchLine(string rest, string file, int lineNumber)
    {
        // Criteria see the configuration as obtained so far, with defaults where it is incomplete.
        string? portText = _store.First("port");
        int port = portText is null ? 22 : ConfigValueParser.Port(portText);
        string remoteUser = _store.First("user") ?? _options.LocalUser;
        string host;
        if (_finalPass) host = _store.First("hostname") ?? _host;
        else if (_store.First("hostname") is string hn) host = TokenExpander.ExpandPercent(hn, new Dictionary<char, string> { ['h'] = _host });
        else host = _host;

        bool result = true;
        int attributes = 0;
        int i = 0;
        string BadCondition(string why) => $"{why}; Bad Match condition";
        while (ConfigTokenizer.Delimit(rest, ref i, splitEquals: true) is string word && word.Length > 0)
        {
            if (word.StartsWith('#')) break;
            string attribute = word;
            bool negate = attribute.StartsWith('!');
            if (negate) attribute = attribute[1..];
            string lower = attribute.ToLowerInvariant();
            if (lower == "all")
            {
                string? next = i < rest.Length ? ConfigTokenizer.Delimit(rest, ref i, splitEquals: true) : null;
                if (attributes > 1 || (next is not null && next.Length > 0 && !next.StartsWith('#')))
                    throw new SshConfigException(file, lineNumber, BadCondition($"'{word}' cannot be combined with other Match attributes"));
                if (result) result = !negate;
                return result;
            }
            attributes++;
            if (lower is "canonical" or "final")
            {
                if (lower == "final") WantFinalPass = true;
                if (_finalPass == negate) result = false;
                continue;
            }
            string? arg = i < rest.Length ? ConfigTokenizer.Delimit(rest, ref i, splitEquals: true) : null;
            if (arg is null || arg.Length == 0 || arg.StartsWith('#'))
                throw new SshConfigException(file, lineNumber, BadCondition($"Missing Match criteria for {attribute}"));
            bool matched;
            switch (lower)
            {
                case "host":
                    matched = SshPattern.MatchHostName(host, arg) == 1;
                    break;
                case "originalhost":
                    matched = SshPattern.MatchHostName(_originalHost, arg) == 1;
                    break;
                case "user":
                    matched = SshPattern.MatchList(remoteUser, arg) == 1;
                    break;
                case "localuser":
                    matched = SshPattern.MatchList(_options.LocalUser, arg) == 1;
                    break;
                case "exec":
                    {
                        if (!result) continue; // skip execution if a prior criterion failed
                        string keyAlias = _store.First("hostkeyalias") ?? host;
                        var tokens = TokenSet.ForMatchExec(_options, host, _originalHost, port, remoteUser, keyAlias);
                        string command = TokenExpander.ExpandPercent(arg, tokens);
                        matched = (_options.MatchExec ?? RunShell)(command);
                        break;
                    }
                default:
                    throw new SshConfigException(file, lineNumber, BadCondition($"Unsupported Match attribute {attribute}"));
            }
            if (matched == negate) result = false;
        }
        if (attributes == 0) throw new SshConfigException(file, lineNumber, BadCondition("One or more attributes required for Match"));
        return result;
    }

    /// <summary>Runs a Match exec command through the user's shell with no input or output; true on exit 0.</summary>
    private static bool RunShell(string command)
    {
        string shell = Environment.GetEnvironmentVariable("SHELL") is { Length: > 0 } s ? s : "/bin/sh";
        var psi = new ProcessStartInfo(shell)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        using var process = Process.Start(psi) ?? throw new SshConfigException($"match exec '{command}' error");
        process.StandardInput.Close();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0;
    }
}

/// <summary>The token sets of ssh_config(5) TOKENS.</summary>
internal static class TokenSet
{
    /// <summary>The tokens of CertificateFile, ControlPath, IdentityAgent, IdentityFile, LocalForward, Match exec,
    /// RemoteForward and UserKnownHostsFile: %C %d %h %i %k %L %l %n %p %r %u.</summary>
    public static Dictionary<char, string> ForMatchExec(ResolveOptions o, string host, string originalHost, int port, string remoteUser, string keyAlias)
    {
        string portText = port.ToString(CultureInfo.InvariantCulture);
        string thisHost = o.LocalHostName;
        int dot = thisHost.IndexOf('.', StringComparison.Ordinal);
        return new Dictionary<char, string>
        {
            ['C'] = ConnectionHash(thisHost, host, portText, remoteUser),
            ['L'] = dot < 0 ? thisHost : thisHost[..dot],
            ['d'] = o.HomeDirectory,
            ['h'] = host,
            ['k'] = keyAlias,
            ['l'] = thisHost,
            ['n'] = originalHost,
            ['p'] = portText,
            ['r'] = remoteUser,
            ['u'] = o.LocalUser,
            ['i'] = o.LocalUserId,
        };
    }

    /// <summary>
    /// %C: the SHA-1 of %l%h%p%r in hex. BouncyCastle's SHA-1, not the BCL's: every resolved configuration
    /// holds %C, and the BCL's would load and initialise OpenSSL (about 2 ms) in runs that need no other
    /// crypto at all, such as a session through a ControlMaster.
    /// </summary>
    public static string ConnectionHash(string thisHost, string host, string port, string user)
    {
        byte[] input = System.Text.Encoding.UTF8.GetBytes(thisHost + host + port + user);
        var sha1 = new Org.BouncyCastle.Crypto.Digests.Sha1Digest();
        sha1.BlockUpdate(input, 0, input.Length);
        byte[] digest = new byte[sha1.GetDigestSize()];
        sha1.DoFinal(digest, 0);
        return Convert.ToHexStringLower(digest);
    }
}
