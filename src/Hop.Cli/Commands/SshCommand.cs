namespace Hop.Cli.Commands;

/// <summary>`hop ssh`: OpenSSH's ssh.</summary>
internal static class SshCommand
{
    public static Task<int> RunAsync(string[] args)
    {
        Console.Error.WriteLine("hop: ssh is not implemented yet");
        _ = args;
        return Task.FromResult(255);
    }
}
