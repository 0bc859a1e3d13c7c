using Hop.Cli.Commands;

namespace Hop.Cli;

/// <summary>Maps the first argument (`hop ssh`, `hop keygen`, ...) to a command.</summary>
internal static class CommandTable
{
    private static readonly (string Name, string Summary, Func<string[], Task<int>> Run)[] Commands =
    [
        ("ssh", "log in to a host and run a shell or command (OpenSSH ssh)", SshCommand.RunAsync),
        ("keygen", "make, inspect and convert keys (OpenSSH ssh-keygen, PuTTYgen)", KeygenCommand.RunAsync),
        ("agent", "hold decrypted keys for the session (OpenSSH ssh-agent)", AgentCommand.RunAsync),
        ("add", "add keys to the agent, list, remove, lock (OpenSSH ssh-add)", AddCommand.RunAsync),
        ("copy-id", "install a public key in a host's authorized_keys (ssh-copy-id)", CopyIdCommand.RunAsync),
        ("sftp", "interactive or batch file transfer over SFTP (OpenSSH sftp)", SftpCommand.RunAsync),
        ("scp", "copy files to and from a host over SFTP (OpenSSH scp)", ScpCommand.RunAsync),
        ("run", "run a command on many hosts at once (parallel-ssh)", RunCommand.RunAsync),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            PrintUsage(Console.Out);
            return args.Length == 0 ? 1 : 0;
        }
        if (args[0] is "-V" or "--version")
        {
            Console.Out.WriteLine($"hop {typeof(CommandTable).Assembly.GetName().Version?.ToString(3)}");
            return 0;
        }
        foreach (var (name, _, run) in Commands)
        {
            if (name == args[0]) return await run(args[1..]).ConfigureAwait(false);
        }
        Console.Error.WriteLine($"hop: unknown command '{args[0]}' (try 'hop --help')");
        return 1;
    }

    private static void PrintUsage(TextWriter w)
    {
        w.WriteLine("usage: hop COMMAND [ARGS...]");
        w.WriteLine();
        foreach (var (name, summary, _) in Commands) w.WriteLine($"  {name,-8} {summary}");
    }
}
