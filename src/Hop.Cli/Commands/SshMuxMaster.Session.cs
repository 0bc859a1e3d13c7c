using System.Runtime.InteropServices;
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

    private async Task RunSessionAsync(MuxServerConnection connection, MuxNewSession request)
    {
        // The three descriptors follow the request, one per message.
        var fds = new int[3];
        int received = 0;
        try
        {
            for (; received < 3; received++) fds[received] = await Task.Run(connection.ReceiveDescriptor).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            _log.Write(1, $"mux client: {e.Message}");
            for (int i = 0; i < received; i++) PosixIo.Close(fds[i]);
            return;
        }
        uint id = (uint)Interlocked.Increment(ref _nextSessionId) - 1;
        using var stdout = DescriptorSink.For(fds[1]);
        using var stderr = DescriptorSink.For(fds[2]);
        using var pumpDone = new CancellationTokenSource();
        Thread? pump = null;
        try
        {
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
                var session = new MuxSession(fds, channel, request.WantTty);
                _sessions[id] = session;
                try
                {
                    await connection.ReplyAsync(new MuxReply(MuxProtocol.SessionOpened, request.RequestId, id, null), _stop.Token).ConfigureAwait(false);
                    _log.Write(1, $"mux session {id} opened for a client");
                    await SetUpAsync(connection, id, request, session).ConfigureAwait(false);
                    pump = new Thread(() => PumpInput(fds[0], channel, pumpDone.Token)) { IsBackground = true, Name = "hop mux stdin" };
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
    private async Task SetUpAsync(MuxServerConnection connection, uint id, MuxNewSession request, MuxSession session)
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
            var modes = TerminalModeEncoder.From(RawTerminal.GetAttributes(session.Descriptors[0]));
            string term = request.TerminalType.Length > 0 ? request.TerminalType : "dumb";
            if (!await channel.RequestPtyAsync(term, size.Cols, size.Rows, size.Width, size.Height, modes).ConfigureAwait(false))
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
    /// Copies the client's stdin to the channel, then EOF. It waits in poll(2) in short slices, so that
    /// it stops when the session has ended and never reads a descriptor number closed and reused.
    /// </summary>
    private static void PumpInput(int fd, SessionChannel channel, CancellationToken done)
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
                input.Write(buffer, 0, (int)n);
            }
            if (!done.IsCancellationRequested) channel.SendEofAsync().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is SshException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The session ended first.
        }
    }
}
