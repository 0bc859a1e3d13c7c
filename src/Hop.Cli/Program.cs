namespace Hop.Cli;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        // Socket completions run on the socket engine's thread instead of hopping to a thread-pool
        // worker. The SSH connection's own reads do not use the engine (they wait on the
        // connection's read thread, see Hop.Ssh's PolledSocketStream), but its sends that have to
        // wait (an upload ahead of the peer) and forwarded sockets do: uploads were 4-13 % faster
        // with it in A/Bs here.
        // It must be set before the first socket is used; a value the user set wins. Only for the
        // client, whose continuations never block on another socket; long-running servers (the
        // agent) keep the thread pool.
        // With inline completions .NET starts one engine thread per core (32 on a 32-core machine,
        // all at the first socket, 4 ms of a connect); a client's one connection and its forwards
        // need one: 512 MiB through a -L forward moved as fast with one as with two here.
        if (args is ["ssh" or "sftp" or "scp", ..])
        {
            SetUnlessSet("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
            SetUnlessSet("DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT", "1");
        }
        Terminal.RawTerminal.UseRawStandardStreams();
        try
        {
            return await CommandTable.RunAsync(args).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The last line of defence: whatever a command did not handle is one line, not a
            // stack trace (that only under -v), and ssh's failure status for the ssh family.
            Console.Error.WriteLine("hop: " + Terminal.UntrustedText.ForLog(Describe(e)));
            if (args.Any(IsVerboseFlag)) Console.Error.WriteLine(Terminal.UntrustedText.ForLog(e.ToString()));
            return args is ["ssh" or "sftp" or "scp" or "copy-id", ..] ? 255 : 1;
        }
    }

    private static void SetUnlessSet(string name, string value)
    {
        if (Environment.GetEnvironmentVariable(name) is null) Environment.SetEnvironmentVariable(name, value);
    }

    /// <summary>One line for an exception no command handled.</summary>
    internal static string Describe(Exception e)
    {
        if (e is DllNotFoundException || e.InnerException is DllNotFoundException)
        {
            // libsodium (X25519, ML-KEM, ChaCha20-Poly1305, Ed25519; off Linux, randomness for new keys) ships beside the hop binary.
            return $"a native library that ships with hop could not be loaded; keep libsodium beside {Environment.ProcessPath ?? "hop"} " +
                   $"({FirstLine((e as DllNotFoundException ?? e.InnerException)!.Message)})";
        }
        return $"internal error: {e.GetType().Name}: {FirstLine(e.Message)}";
    }

    private static string FirstLine(string s)
    {
        int nl = s.IndexOfAny(['\r', '\n']);
        return (nl < 0 ? s : s[..nl]).TrimEnd(' ', ':');
    }

    private static bool IsVerboseFlag(string arg) => arg is "-v" or "-vv" or "-vvv";
}
