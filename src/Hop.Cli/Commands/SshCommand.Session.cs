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
        HostKeyUpdater? updater = null;
        var client = await ConnectAsync(a, c, log, verifier => updater = new HostKeyUpdater(c, verifier, log, remoteCommand: a.Command.Count > 0)).ConfigureAwait(false);
        await using (client.ConfigureAwait(false))
        {
            try
            {
                await using var forwarding = await SshForwarding.StartAsync(c, client, log).ConfigureAwait(false);
                SshLocalCommand.RunIfPermitted(c, log, forwarding.TunnelDevice);
                // As ssh with no session of its own (-N, -W, SessionType none): IPQoS's interactive value, unless a
                // ControlMaster will carry its clients' sessions.
                if (a.NoCommand) client.SetInteractive(c.ControlMaster == "false");
                if (a.StdioForward is not null) return await SshForwarding.StdioForwardAsync(a.StdioForward, client, log).ConfigureAwait(false);
                await using var master = SshMuxMaster.Start(c, client, forwarding, log);
                if (SshForwardingBackground.IsPersistMaster)
                {
                    if (master is null) return 255;
                    SshForwardingBackground.Detach();
                    return await master.PersistAsync(c.ControlPersist ?? TimeSpan.Zero).ConfigureAwait(false);
                }
                if (a.Background) SshForwardingBackground.Detach();
                if (a.NoCommand)
                {
                    // A master told to exit by a client (-O exit) ends quietly, before its disconnect completes.
                    var ended = await Task.WhenAny(client.Connection.Completion, master?.Terminated ?? Task.Delay(Timeout.Infinite),
                        master?.StoppedAndIdleAsync() ?? Task.Delay(Timeout.Infinite)).ConfigureAwait(false);
                    if (ended == client.Connection.Completion && master?.Terminated.IsCompleted != true) await ended.ConfigureAwait(false);
                    return 0;
                }
                int status = await RunRemoteAsync(a, c, client, forwarding, log).ConfigureAwait(false);
                // As ssh's master: no new clients once its own session is over; theirs finish first (see
                // WaitForForwardedConnectionsAsync, which waited for their channels), and are told how.
                if (master is not null)
                {
                    master.StopListening();
                    await master.ClientsDoneAsync().ConfigureAwait(false);
                }
                return status;
            }
            finally
            {
                if (updater is not null) await updater.FinishAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<int> RunRemoteAsync(SshArguments a, ResolvedConfig c, SshClient client, SshForwarding forwarding, DiagnosticLog log)
    {
        // The session's stdout and stderr are written to ours by the receive loop itself, in one
        // write per batch of packets: no pipe and no copying task in between.
        var sinks = new ChannelSinks(OutputSink.For(1), OutputSink.For(2));
        await using var session = await client.Connection.OpenSessionAsync(sinks).ConfigureAwait(false);
        if (SshAgentUse.ForwardSocket(c) is { } forward)
        {
            AgentForwarding.Enable(client.Connection, forward, log.Sink);
            log.Write(1, "Requesting authentication agent forwarding.");
            await session.RequestAgentForwardingAsync().ConfigureAwait(false);
        }
        foreach (var (name, value) in EnvironmentToSend(c)) await session.SetEnvAsync(name, value).ConfigureAwait(false);
        string command = string.Join(' ', a.Command);
        using var x11 = await SessionSetup.StartX11Async(session, c, log).ConfigureAwait(false);
        bool wantTty = SessionSetup.WantTty(a, c, command.Length > 0, log, out bool ttyRequired);
        // IPQoS: a session with a tty or X11 is interactive, any other bulk (ssh_session2_setup).
        client.SetInteractive(wantTty || x11 is not null);
        using var terminal = wantTty ? InteractiveTerminal.Start(session, client.Transport, log, c.EscapeChar) : null;
        if (terminal is not null)
        {
            terminal.CommandLineEnabled = c.EnableEscapeCommandline;
            terminal.CommandLine = line => SshForwardingCommandLine.RunAsync(forwarding, line);
            // A PTY asked for with -t/-tt is needed before the command may run: refused, ssh gives up.
            if (ttyRequired && !await terminal.PtyGranted.ConfigureAwait(false)) return 255;
        }
        // Otherwise the shell or command follows x11-req and pty-req at once, as ssh sends them, not
        // a round trip after each; their answers come in the same order.
        log.Write(1, command.Length > 0 ? $"Sending command: {command}" : "Requesting shell.");
        var started = a.Subsystem ? session.SubsystemAsync(command)
            : command.Length > 0 ? session.ExecAsync(command)
            : session.ShellAsync();
        if (x11 is not null) await x11.Granted.ConfigureAwait(false);
        if (terminal is not null) await terminal.PtyGranted.ConfigureAwait(false);
        await started.ConfigureAwait(false);

        if (a.StdinNull) await session.SendEofAsync().ConfigureAwait(false);
        else StartStdinPump(session, terminal);

        var exit = await session.Exit.ConfigureAwait(false);
        await session.SinksWritten.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        terminal?.Restore();
        if (terminal?.DisconnectRequested != true) await WaitForForwardedConnectionsAsync(session, client, log).ConfigureAwait(false);
        if (terminal is not null) log.Write(0, $"Connection to {c.OriginalHost} closed.");
        if (exit.Signal is { } sig)
        {
            log.Write(1, $"remote command killed by signal {sig.SignalName}");
            return 255;
        }
        return exit.ExitStatus ?? 255;
    }

    /// <summary>
    /// At logout, as OpenSSH's client loop: while forwarded connections (or X11, agent channels)
    /// are still open, stay until they close or the connection ends; the terminal is already back
    /// in its normal mode, so Ctrl-C ends the wait.
    /// </summary>
    private static async Task WaitForForwardedConnectionsAsync(SessionChannel session, SshClient client, DiagnosticLog log)
    {
        var connection = client.Connection;
        // The session itself goes away with its CLOSE, which follows exit-status.
        await Task.WhenAny(session.Closed, connection.Completion, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        if (connection.ChannelCount == 0 || connection.Completion.IsCompleted) return;
        log.Write(1, $"Waiting for {connection.ChannelCount} forwarded connection(s) to close");
        while (connection.ChannelCount > 0 && !connection.Completion.IsCompleted)
        {
            await Task.WhenAny(connection.Completion, Task.Delay(100)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Copies our stdin to the channel on a thread of its own, then sends EOF; ends quietly when
    /// the channel goes away. Reads are plain blocking read(2) calls: Console's ReadAsync would
    /// hand every read to a thread-pool thread and back. Channel writes that must wait (for the
    /// peer's window) wait on this thread, so the next read is made here too.
    /// </summary>
    private static void StartStdinPump(SessionChannel session, InteractiveTerminal? terminal)
    {
        var thread = new Thread(() => PumpStdin(session, terminal)) { IsBackground = true, Name = "hop stdin" };
        thread.Start();
    }

    private static void PumpStdin(SessionChannel session, InteractiveTerminal? terminal)
    {
        var input = InteractiveTerminal.OpenInput();
        var channel = session.GetInputStream();
        // Large reads: fewer syscalls per GiB; the channel cuts them into the peer's packet size. From a
        // pipe, first let it hold more than its default 64 KiB, so that each read can take that much.
        int pipe = terminal is null ? PipeCapacity.Grow(0) : 0;
        var buffer = new byte[Math.Max(128 * 1024, Math.Min(pipe, 256 * 1024))];
        // Sent from this thread, blocking while the window is shut (woken by the receive loop's
        // WINDOW_ADJUST): a keystroke goes to the socket without an async state machine, a Task or a
        // semaphore wait on the way.
        Func<ReadOnlyMemory<byte>, Task> send = data =>
        {
            session.Write(data);
            return Task.CompletedTask;
        };
        try
        {
            while (true)
            {
                int n = input.Read(buffer);
                if (n == 0) break;
                if (terminal is not null)
                {
                    if (!Wait(terminal.ProcessInputAsync(buffer.AsMemory(0, n), send)))
                    {
                        Wait(session.CloseAsync());
                        return;
                    }
                    continue;
                }
                channel.Write(buffer, 0, n);
            }
            Wait(session.SendEofAsync());
        }
        catch (Exception e) when (e is SshException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The session ended first; its exit status says the rest.
        }
    }

    private static void Wait(ValueTask pending)
    {
        if (pending.IsCompleted) pending.GetAwaiter().GetResult();
        else pending.AsTask().GetAwaiter().GetResult();
    }

    private static void Wait(Task pending) => pending.GetAwaiter().GetResult();

    private static T Wait<T>(Task<T> pending) => pending.GetAwaiter().GetResult();

    /// <summary>SetEnv values, then environment variables matching SendEnv patterns.</summary>
    internal static IEnumerable<(string, string)> EnvironmentToSend(ResolvedConfig c)
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
        // As ssh: a PKCS#11 provider's keys come before the identity files.
        list.AddRange(SshPkcs11.Identities(c, prompter, log));
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
                log.Say(e.Message);
                log.Say($"Load key \"{path}\": {(e.Message.Contains("UNPROTECTED", StringComparison.Ordinal) ? "bad permissions" : "invalid format")}");
            }
        }
        return list;
    }
}
