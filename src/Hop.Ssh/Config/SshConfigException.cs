namespace Hop.Ssh.Config;

/// <summary>
/// A configuration file (ssh_config or an Include'd file) could not be used: a syntax error,
/// a bad value, unsafe permissions or too deep an Include chain. The message names the file and line
/// the way OpenSSH does ("FILE line N: ...").
/// </summary>
public sealed class SshConfigException : SshException
{
    public SshConfigException() { }
    public SshConfigException(string message) : base(message) { }
    public SshConfigException(string message, Exception inner) : base(message, inner) { }

    public SshConfigException(string file, int line, string message)
        : base($"{file} line {line}: {message}")
    {
        File = file;
        Line = line;
    }

    /// <summary>The file at fault ("command-line" for -o options), when known.</summary>
    public string? File { get; }

    /// <summary>The 1-based line at fault (0 for -o options), when known.</summary>
    public int Line { get; }
}
