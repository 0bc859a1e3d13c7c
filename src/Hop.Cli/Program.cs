namespace Hop.Cli;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        // Socket completions run on the socket engine's thread instead of hopping to a thread-pool
        // worker: the SSH receive loop then wakes once per socket read, not twice. On the 2-core
        // machines we measure on, those thread hand-offs were most of a bulk transfer's CPU time.
        // It must be set before the first socket is used; a value the user set wins. Only for the
        // client, whose continuations never block on another socket; long-running servers (the
        // agent) keep the thread pool.
        if (args is ["ssh" or "sftp" or "scp", ..] && Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
            Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        return await CommandTable.RunAsync(args).ConfigureAwait(false);
    }
}
