using Hop.Cli.Terminal;
using Hop.Ssh;
using Hop.Ssh.Auth;
using Hop.Ssh.Client;
using Hop.Ssh.Config;
using Hop.Ssh.Connection;

namespace Hop.Cli.Commands;

/// <summary>Connects with the resolved settings and runs the remote command or shell.</summary>
internal static partial class SshCommand
{
    private static async Task<int> RunSessionAsync(SshArguments a, ResolvedConfig c, DiagnosticLog log)
    {
        if (a.Background && !SshForwardingBackground.IsChild) return await SshForwardingBackground.LaunchAsync().ConfigureAwait(false);
        IAuthPrompter? prompter = c.BatchMode ? null : new Prompter(a.Quiet);
        await using var agent = SshAgentUse.For(c, log);
        var files = await LoadIdentitiesAsync(c, prompter, log, agent.AddKeysHook(c)).ConfigureAwait(false);
        var identities = c.PubkeyAuthentication ? await agent.CombineAsync(files, c.IdentitiesOnly).ConfigureAwait(false) : files;
        var verifier = new HostKeyVerifier(c, prompter, log);
        var updater = new HostKeyUpdater(c, verifier, log, remoteCommand: a.Command.Count > 0);
        var settings = SshClientSettingsFor.Build(c, identities, prompter, verifier, agent, ProxyStream(a, c, log), log, updater);
        SshClient client;
        try
        {
            client = await SshClient.ConnectAsync(settings).ConfigureAwait(false);
        }
        catch (SshConnectionException e) when (e.Message.StartsWith("no matching", StringComparison.Ordinal))
        {
            throw new SshConnectionException($"Unable to negotiate with {c.HostName} port {c.Port}: {e.Message}", e);
        }
        await using (client.ConfigureAwait(false))
        {
            try
            {
                await using var forwarding = await SshForwarding.StartAsync(c, client, log).ConfigureAwait(false);
                if (a.StdioForward is not null) return await SshForwarding.StdioForwardAsync(a.StdioForward, client, log).ConfigureAwait(false);
                if (a.Background) SshForwardingBackground.Detach();
                if (a.NoCommand)
                {
                    await client.Connection.Completion.ConfigureAwait(false);
                    return 0;
                }
                return await RunRemoteAsync(a, c, client, log).ConfigureAwait(false);
            }
            finally
            {
                await updater.FinishAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<int> RunRemoteAsync(SshArguments a, ResolvedConfig c, SshClient client, DiagnosticLog log)
    {
        await using var session = await client.Connection.OpenSessionAsync().ConfigureAwait(false);
        if (SshAgentUse.ForwardSocket(c) is { } forward)
        {
            AgentForwarding.Enable(client.Connection, forward, log.Sink);
            log.Write(1, "Requesting authentication agent forwarding.");
            await session.RequestAgentForwardingAsync().ConfigureAwait(false);
        }
        foreach (var (name, value) in EnvironmentToSend(c)) await session.SetEnvAsync(name, value).ConfigureAwait(false);
        string command = string.Join(' ', a.Command);
        using var x11 = await SessionSetup.RequestX11Async(session, c, log).ConfigureAwait(false);
        bool wantTty = SessionSetup.WantTty(a, c, command.Length > 0, log);
        using var terminal = wantTty ? await InteractiveTerminal.StartAsync(session, client.Transport, log, c.EscapeChar).ConfigureAwait(false) : null;
        if (a.Subsystem) await session.SubsystemAsync(command).ConfigureAwait(false);
        else if (command.Length > 0) await session.ExecAsync(command).ConfigureAwait(false);
        else await session.ShellAsync().ConfigureAwait(false);
        log.Write(1, command.Length > 0 ? $"Sending command: {command}" : "Requesting shell.");

        var stdout = InteractiveTerminal.OpenOutput(1);
        var stderr = InteractiveTerminal.OpenOutput(2);
        var outPump = session.Output.CopyToAsync(stdout);
        var errPump = session.ExtendedOutput.CopyToAsync(stderr);
        if (a.StdinNull) await session.SendEofAsync().ConfigureAwait(false);
        else _ = PumpStdinAsync(session, terminal);

        var exit = await session.Exit.ConfigureAwait(false);
        await Task.WhenAll(outPump, errPump).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        await stdout.FlushAsync().ConfigureAwait(false);
        terminal?.Restore();
        if (terminal is not null) log.Write(0, $"Connection to {c.OriginalHost} closed.");
        if (exit.Signal is { } sig)
        {
            log.Write(1, $"remote command killed by signal {sig.SignalName}");
            return 255;
        }
        return exit.ExitStatus ?? 255;
    }

    /// <summary>Copies our stdin to the channel, then sends EOF; ends quietly when the channel goes away.</summary>
    private static async Task PumpStdinAsync(SessionChannel session, InteractiveTerminal? terminal)
    {
        var input = InteractiveTerminal.OpenInput();
        var channel = session.GetInputStream();
        // Large reads: fewer syscalls per GiB; the channel cuts them into the peer's packet size.
        var buffer = new byte[128 * 1024];
        try
        {
            while (true)
            {
                int n = await input.ReadAsync(buffer).ConfigureAwait(false);
                if (n == 0) break;
                if (terminal is not null)
                {
                    n = terminal.FilterInput(buffer.AsSpan(0, n), out bool disconnect);
                    if (disconnect)
                    {
                        await session.CloseAsync().ConfigureAwait(false);
                        return;
                    }
                }
                if (n > 0) await channel.WriteAsync(buffer.AsMemory(0, n)).ConfigureAwait(false);
            }
            await session.SendEofAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The session ended first; its exit status says the rest.
        }
    }

    /// <summary>SetEnv values, then environment variables matching SendEnv patterns.</summary>
    private static IEnumerable<(string, string)> EnvironmentToSend(ResolvedConfig c)
    {
        foreach (var kv in c.SetEnv)
        {
            int eq = kv.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0) yield return (kv[..eq], kv[(eq + 1)..]);
        }
        if (c.SendEnv.Count == 0) yield break;
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            string name = (string)e.Key;
            bool send = false;
            foreach (var pattern in c.SendEnv)
            {
                if (pattern.StartsWith('-')) { if (SshPattern.Match(name, pattern[1..])) send = false; }
                else if (SshPattern.Match(name, pattern)) send = true;
            }
            if (send) yield return (name, (string?)e.Value ?? "");
        }
    }

    private static async Task<IReadOnlyList<IUserIdentity>> LoadIdentitiesAsync(ResolvedConfig c, IAuthPrompter? prompter, DiagnosticLog log,
        Func<Hop.Ssh.Keys.SshPrivateKey, string, ValueTask>? onDecrypted)
    {
        var list = new List<IUserIdentity>();
        if (!c.PubkeyAuthentication) return list;
        foreach (var path in c.IdentityFiles)
        {
            try
            {
                var id = await FileIdentity.TryLoadAsync(path, prompter, onDecrypted).ConfigureAwait(false);
                if (id is null)
                {
                    log.Write(1, $"identity file {path} type -1");
                    continue;
                }
                log.Write(1, $"identity file {path} type {id.PublicKey.KeyType}");
                list.Add(id);
            }
            catch (SshKeyFormatException e)
            {
                // OpenSSH warns about an unusable key file and goes on with the others.
                Console.Error.WriteLine(e.Message);
                Console.Error.WriteLine($"Load key \"{path}\": {(e.Message.Contains("UNPROTECTED", StringComparison.Ordinal) ? "bad permissions" : "invalid format")}");
            }
        }
        return list;
    }
}
