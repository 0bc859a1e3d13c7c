using System.Runtime.InteropServices;
using System.Text;
using Hop.Cli.Terminal;
using Hop.Ssh;
using Hop.Ssh.Client;
using Hop.Ssh.Connection;
using Hop.Ssh.Mux;

namespace Hop.Cli.Commands;

/// <summary>A mux client's session: a session channel of the master's connection on the client's passed stdio.</summary>
internal sealed partial class SshMuxMaster
{
    private const int PollSliceMilliseconds = 200;

    private PosixSignalRegistration? _windowChanges;

    /// <summary>A running mux session: its passed descriptors and its channel.</summary>
    private sealed record MuxSession(int[] Descriptors, SessionChannel Channel, bool Tty);

    /// <summary>
    /// The <paramref name="count"/> descriptors that follow a request, one per message; null (those
    /// received closed again) when the client sends fewer.
    /// </summary>
    private async Task<int[]?> ReceiveDescriptorsAsync(MuxServerConnection connection, int count)
    {
        var fds = new int[count];
        int received = 0;
        try
        {
            for (; received < count; received++) fds[received] = await Task.Run(connection.ReceiveDescriptor).ConfigureAwait(false);
            return fds;
        }
        catch (IOException e)
        {
            _log.Write(1, $"mux client: {e.Message}");
            for (int i = 0; i < received; i++) PosixIo.Close(fds[i]);
            return null;
        }
    }

    private async Task RunSessionAsync(MuxServerConnection connection, MuxNewSession request)
    {
        // stdin, stdout and stderr.
        if (await ReceiveDescriptorsAsync(connection, 3).ConfigureAwait(false) is not { } fds) return;
        // The terminal's modes for pty-req, read now as ssh's master reads them: once the client hears
        // that its session is open it puts its terminal in raw mode, and a remote pty made with those
        // modes (no echo, no ICRNL) would never see a line end.
        var clientModes = request.WantTty ? TerminalModeEncoder.From(RawTerminal.GetAttributes(fds[0])) : null;
        uint id = (uint)Interlocked.Increment(ref _nextSessionId) - 1;
        using var stdout = DescriptorSink.For(fds[1]);
        using var stderr = DescriptorSink.For(fds[2]);
        using var pumpDone = new CancellationTokenSource();
        Thread? pump = null;
        try
        {
            if (!await AllowedAsync($"Allow shared connection to {_config.HostName}? ").ConfigureAwait(false))
            {
                await connection.ReplyAsync(Denied(request.RequestId), _stop.Token).ConfigureAwait(false);
                return;
            }
            SessionChannel channel;
            try
            {
                channel = await _client.Connection.OpenSessionAsync(new ChannelSinks(stdout, stderr), _stop.Token).ConfigureAwait(false);
            }
            catch (SshException e)
            {
                await connection.ReplyAsync(new MuxReply(MuxProtocol.Failure, request.RequestId, 0, $"session open failed: {e.Message}"), _stop.Token).ConfigureAwait(false);
                return;
            }
            await using (channel.ConfigureAwait(false))
            {
                // As ssh's client_session2_setup; the master's own start has made the first (deciding) call already.
                _client.SetInteractive(request.WantTty);
                var session = new MuxSession(fds, channel, request.WantTty);
                _sessions[id] = session;
                try
                {
                    await connection.ReplyAsync(new MuxReply(MuxProtocol.SessionOpened, request.RequestId, id, null), _stop.Token).ConfigureAwait(false);
                    _log.Write(1, $"mux session {id} opened for a client");
                    await SetUpAsync(connection, id, request, session, clientModes).ConfigureAwait(false);
                    // As ssh's master: the client's escape character is looked for in a terminal session only.
                    var escapes = request.WantTty && request.EscapeChar != MuxProtocol.NoEscapeChar && request.EscapeChar < 0x100
                        ? new EscapeFilter((int)request.EscapeChar) : null;
                    pump = new Thread(() => PumpInput(fds[0], channel, escapes, session, pumpDone.Token)) { IsBackground = true, Name = "hop mux stdin" };
                    pump.Start();
                    // A client that goes away (killed, its terminal closed) ends its session.
                    var clientGone = connection.ReadRequestAsync(_stop.Token);
                    var first = await Task.WhenAny(channel.Exit, clientGone).ConfigureAwait(false);
                    if (first != channel.Exit)
                    {
                        await channel.CloseAsync().ConfigureAwait(false);
                        return;
                    }
                    var exit = await channel.Exit.ConfigureAwait(false);
                    await channel.SinksWritten.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                    uint status = exit.Signal is null && exit.ExitStatus is { } s ? (uint)s : 255;
                    await connection.ReplyAsync(new MuxReply(MuxProtocol.ExitMessage, id, status, null), _stop.Token).ConfigureAwait(false);
                }
                finally
                {
                    _sessions.TryRemove(id, out _);
                }
            }
        }
        catch (Exception e) when (e is SshException or IOException or OperationCanceledException or TimeoutException or ObjectDisposedException)
        {
            _log.Write(1, $"mux session {id}: {e.Message}");
        }
        finally
        {
            await pumpDone.CancelAsync().ConfigureAwait(false);
            pump?.Join();
            foreach (int fd in fds) PosixIo.Close(fd);
        }
    }

    /// <summary>The session's requests, as ssh's master makes them for a client: agent, environment, pty, then the command.</summary>
    private async Task SetUpAsync(MuxServerConnection connection, uint id, MuxNewSession request, MuxSession session, Hop.Ssh.Connection.Messages.TerminalModes? modes)
    {
        var channel = session.Channel;
        // As OpenSSH's master: agent and X11 forwarding only when the master's own configuration allows them.
        if (request.WantAgent && SshAgentUse.ForwardSocket(_config) is { } forward)
        {
            AgentForwarding.Enable(_client.Connection, forward, _log.Sink);
            await channel.RequestAgentForwardingAsync().ConfigureAwait(false);
        }
        if (request.WantX11) _log.Write(1, $"mux session {id}: X11 forwarding is not passed to mux clients by hop");
        foreach (var variable in request.Environment)
        {
            int eq = variable.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0) await channel.SetEnvAsync(variable[..eq], variable[(eq + 1)..]).ConfigureAwait(false);
        }
        if (request.WantTty)
        {
            WatchWindowChanges();
            var size = RawTerminal.WindowSize(session.Descriptors[0]) ?? (80, 24, 0, 0);
            string term = request.TerminalType.Length > 0 ? request.TerminalType : "dumb";
            if (!await channel.RequestPtyAsync(term, size.Cols, size.Rows, size.Width, size.Height, modes!).ConfigureAwait(false))
                await connection.ReplyAsync(new MuxReply(MuxProtocol.TtyAllocFail, id, 0, null), _stop.Token).ConfigureAwait(false);
        }
        if (request.Subsystem) await channel.SubsystemAsync(request.Command).ConfigureAwait(false);
        else if (request.Command.Length > 0) await channel.ExecAsync(request.Command).ConfigureAwait(false);
        else await channel.ShellAsync().ConfigureAwait(false);
    }

    /// <summary>On SIGWINCH (which a mux client relays to the master), each terminal session sends its terminal's new size.</summary>
    private void WatchWindowChanges()
    {
        if (OperatingSystem.IsWindows() || _windowChanges is not null) return;
        _windowChanges = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, context =>
        {
            foreach (var s in _sessions.Values.Where(s => s.Tty))
            {
                if (RawTerminal.WindowSize(s.Descriptors[0]) is { } size)
                    _ = s.Channel.WindowChangeAsync(size.Cols, size.Rows, size.Width, size.Height);
            }
        });
    }

    /// <summary>
    /// Copies the client's stdin (<paramref name="fd"/>) to the channel, then EOF; with <paramref name="escapes"/>
    /// (a terminal session's, with its <paramref name="session"/>), acting on the escapes typed
    /// (<see cref="RunEscape"/>). It waits in poll(2) in short slices, so that it stops when the channel
    /// has ended and never reads a descriptor number closed and reused.
    /// </summary>
    private void PumpInput(int fd, SshChannel channel, EscapeFilter? escapes, MuxSession? session, CancellationToken done)
    {
        var input = channel.GetInputStream();
        var buffer = new byte[64 * 1024];
        try
        {
            while (!done.IsCancellationRequested)
            {
                if (PosixIo.Poll(fd, PosixIo.PollIn, PollSliceMilliseconds) <= 0) continue;
                nint n = PosixIo.Read(fd, buffer, (nuint)buffer.Length);
                if (n < 0 && Marshal.GetLastPInvokeError() is var errno && (errno == PosixIo.EIntr || errno == PosixIo.EAgain)) continue;
                if (n <= 0) break;
                var data = buffer.AsMemory(0, (int)n);
                while (escapes is not null && !data.IsEmpty)
                {
                    var step = escapes.Next(data.Span);
                    if (step.Written > 0) input.Write(data.Span[..step.Written]);
                    data = data[step.Consumed..];
                    if (step.Command is { } command && !RunEscape(command, (char)escapes.EscapeChar, session!)) return;
                }
                if (!data.IsEmpty) input.Write(data.Span);
            }
            if (!done.IsCancellationRequested) channel.SendEofAsync().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is SshException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The session ended first.
        }
    }

    /// <summary>
    /// An escape typed in a client's session, as ssh's master handles it for its clients: "~." ends this
    /// session (returns false) and leaves the connection and the other sessions; "~B", "~R", "~#" and
    /// "~?" work; the rest (~C, ~V/v, ~^Z, ~&amp;) belong to a process with a terminal of its own and are
    /// "not supported in multiplexed sessions". What the escape says goes to the client's stderr.
    /// </summary>
    private bool RunEscape(EscapeCommand command, char e, MuxSession session)
    {
        string said;
        bool goOn = true;
        switch (command)
        {
            case EscapeCommand.Disconnect:
                said = $"{e}.\r\n";
                goOn = false;
                break;
            case EscapeCommand.Help:
                said = EscapeHelp.Text(e, muxClient: true);
                break;
            case EscapeCommand.ListConnections:
                said = $"{e}#\r\n" + InteractiveTerminal.ListChannels(_client.Connection.Channels);
                break;
            case EscapeCommand.SendBreak:
                said = $"{e}B\r\n";
                _ = InteractiveTerminal.SendBreakAsync(session.Channel);
                break;
            case EscapeCommand.Rekey:
                said = $"{e}R\r\n";
                _log.Write(1, "Rekeying on user request (~R in a multiplexed session)");
                if (_client.Transport is { } transport) _ = Task.Run(() => InteractiveTerminal.RekeyAsync(transport));
                break;
            default:
                string name = command switch
                {
                    EscapeCommand.Suspend => "^Z",
                    EscapeCommand.Background => "&",
                    EscapeCommand.LessVerbose => "V",
                    EscapeCommand.MoreVerbose => "v",
                    _ => "C",
                };
                said = $"{e}{name} is not supported in multiplexed sessions\r\n";
                break;
        }
        byte[] text = Encoding.UTF8.GetBytes(said);
        PosixIo.Write(session.Descriptors[2], text, (nuint)text.Length);
        if (!goOn) session.Channel.CloseAsync().GetAwaiter().GetResult();
        return goOn;
    }
}
