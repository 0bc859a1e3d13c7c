using Hop.Ssh;
using Hop.Ssh.Config;

namespace Hop.Cli.Commands;

/// <summary>
/// CVE-2023-51385: the user and host names the command line gives — the destination, -l, -o User,
/// -J and -o ProxyJump — are checked before any config is read, since Match exec runs while it
/// is and ProxyCommand later, both with the names in a shell command (<see cref="CommandLineNames"/>).
/// The messages are ssh's.
/// </summary>
internal static partial class SshCommand
{
    /// <summary>Throws (ssh's message, exit 255) for a name ssh refuses: -J and -o ProxyJump as ssh parses its options, then the user, then the host.</summary>
    private static void CheckCommandLineNames(SshArguments a, string host, string? user)
    {
        foreach (var line in a.FlagOptions)
        {
            if (CommandLineNames.OptionValue(line, "proxyjump") is { } jump && JumpNameProblem(jump) is { } problem)
                throw new SshException($"Invalid -J argument: {problem}");
        }
        foreach (var line in a.Options)
        {
            if (CommandLineNames.OptionValue(line, "proxyjump") is { } jump && JumpNameProblem(jump) is { } problem)
                throw new SshException($"Invalid ProxyJump \"{jump}\": {problem}");
        }
        if (user is not null && !CommandLineNames.IsValidUserName(user)) throw new SshException("remote username contains invalid characters");
        foreach (var line in a.Options)
        {
            if (CommandLineNames.OptionValue(line, "user") is { } u && !CommandLineNames.IsValidUserName(u))
                throw new SshException("remote username contains invalid characters");
        }
        if (!CommandLineNames.IsValidHostName(host)) throw new SshException("hostname contains invalid characters");
    }

    /// <summary>What is wrong with a name in a ProxyJump list, in ssh's parse_jump words; null when nothing is.</summary>
    private static string? JumpNameProblem(string value)
    {
        if (value.Equals("none", StringComparison.OrdinalIgnoreCase)) return null;
        foreach (var spec in SplitJumps(value))
        {
            var (host, user, _) = ParseJump(spec);
            if (user is not null && !CommandLineNames.IsValidUserName(user)) return $"invalid username \"{user}\"";
            if (!CommandLineNames.IsValidHostName(host)) return $"invalid hostname \"{host}\"";
        }
        return null;
    }
}
