using System.Collections.Concurrent;
using Hop.Cli.Terminal;
using Hop.Ssh;
using Hop.Ssh.Client;
using Hop.Ssh.Config;
using Hop.Ssh.Mux;

namespace Hop.Cli.Commands;

/// <summary>
/// `hop ssh -M` / ControlMaster yes|auto: after logging in, serves the connection to other clients
/// on ControlPath (PROTOCOL.mux, OpenSSH's `ssh -S` or `hop ssh -S`): new sessions with the
/// client's stdio passed over, port forwards opened and closed on this connection (-O forward,
/// -O cancel, a client's -L/-R/-D), stdio forwards (-W), alive checks (-O check), terminate (-O exit),
/// stop listening (-O stop), and proxy mode (-O proxy: the client's channels relayed on this
/// connection, and its remote forwards with the server's answers; see ConnectionRelay).
/// </summary>
internal sealed partial class SshMuxMaster : IAsyncDisposable
{
    private readonly MuxListener _listener;
    private readonly SshClient _client;
    private readonly SshForwarding _forwarding;
    private readonly ResolvedConfig _config;
    private readonly DiagnosticLog _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<uint, MuxSession> _sessions = new();
    private readonly Task _accepting;
    private int _nextSessionId;
    private static readonly TimeSpan FirstClientGrace = TimeSpan.FromSeconds(30);
    private readonly MuxIdleClock _idle = new(Environment.TickCount64);

    private SshMuxMaster(MuxListener listener, SshClient client, SshForwarding forwarding, ResolvedConfig config, DiagnosticLog log)
    {
        _listener = listener;
        _client = client;
        _forwarding = forwarding;
        _config = config;
        _log = log;
        _accepting = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Completes when a client asked the master to exit (MUX_C_TERMINATE).</summary>
    public Task Terminated => _terminated.Task;

    /// <summary>
    /// Completes when no client is left (each session's exit status sent, each stdio forward ended), or
    /// the connection has ended. A client's channel closes before its exit status is sent: a master
    /// that ended when its channels had all closed could leave a client without one.
    /// </summary>
    public async Task ClientsDoneAsync()
    {
        while ((!_sessions.IsEmpty || _idle.Clients > 0) && !_client.Connection.Completion.IsCompleted)
            await Task.Delay(50).ConfigureAwait(false);
    }

    /// <summary>
    /// Completes, for a master without a session of its own (-N), when there is nothing left to serve
    /// after a client's -O stop: as ssh's, it then exits once no channel and no forward remains.
    /// </summary>
    public async Task StoppedAndIdleAsync()
    {
        await _stopped.Task.ConfigureAwait(false);
        while (_client.Connection.ChannelCount > 0 || !_forwarding.IsEmpty || !_sessions.IsEmpty || _idle.Clients > 0)
            await Task.Delay(100).ConfigureAwait(false);
    }

    /// <summary>
    /// Listens on ControlPath when this connection is to be a master (ControlMaster yes, auto, or ask
    /// and autoask, which confirm each client's requests through askpass); else null.
    /// </summary>
    public static SshMuxMaster? Start(ResolvedConfig c, SshClient client, SshForwarding forwarding, DiagnosticLog log)
    {
        if (c.ControlPath is null || c.ControlMaster is "false" || OperatingSystem.IsWindows()) return null;
        if (c.ControlMaster is not ("true" or "auto" or "ask" or "autoask")) return null;
        var listener = MuxListener.Create(c.ControlPath, out string? error);
        if (listener is null)
        {
            log.Say(error!);
            return null;
        }
        log.Write(1, $"setting up multiplex master socket {c.ControlPath}");
        return new SshMuxMaster(listener, client, forwarding, c, log);
    }

    /// <summary>
    /// Whether this invocation starts a ControlPersist master in the background first (ssh's
    /// control_persist_detach): ControlPersist and ControlPath set, ControlMaster yes or auto, a
    /// session to run (not -N, -W or -f), and not the background master itself.
    /// </summary>
    public static bool StartsPersistent(SshArguments a, ResolvedConfig c) =>
        c.ControlPersist is not null && c.ControlPath is not null && c.ControlMaster is "true" or "auto" or "ask" or "autoask"
        && !a.NoCommand && a.StdioForward is null && !a.Background && a.ControlCommand is null
        && !SshForwardingBackground.IsPersistMaster && !OperatingSystem.IsWindows();

    /// <summary>
    /// The background master's life: until a client asks it to exit, the connection ends, or (when
    /// <paramref name="idle"/> is not zero) no client has had a session for that long. Returns the exit status.
    /// </summary>
    public async Task<int> PersistAsync(TimeSpan idle)
    {
        var ended = Task.WhenAny(_client.Connection.Completion, Terminated, StoppedAndIdleAsync());
        if (idle == TimeSpan.Zero)
        {
            await ended.ConfigureAwait(false);
            return 0;
        }
        while (!ended.IsCompleted)
        {
            await Task.WhenAny(ended, Task.Delay(TimeSpan.FromMilliseconds(250))).ConfigureAwait(false);
            // The foreground that started this master is its first client; a slow start (a loaded
            // machine) must not find the master gone and log in a second time.
            var span = _idle.HadClient || idle >= FirstClientGrace ? idle : FirstClientGrace;
            if (!ended.IsCompleted && _idle.IdleFor(span, Environment.TickCount64))
            {
                _log.Write(1, $"ControlPersist: no clients for {idle.TotalSeconds:0} s, exiting");
                StopListening();
                await _client.Connection.DisconnectAsync("ControlPersist timeout").ConfigureAwait(false);
                return 0;
            }
        }
        return 0;
    }

    /// <summary>Stops listening (MUX_C_STOP_LISTENING, or the master's own session has ended); sessions already open go on.</summary>
    public void StopListening() => _listener.Dispose();

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            MuxServerConnection connection;
            try
            {
                connection = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or System.Net.Sockets.SocketException)
            {
                return;
            }
            _log.Write(1, "multiplexing control connection");
            _ = Task.Run(() => ServeAsync(connection));
        }
    }

    private async Task ServeAsync(MuxServerConnection connection)
    {
        _idle.ClientArrived(Environment.TickCount64);
        using (connection)
        {
            try
            {
                await connection.HelloAsync(_stop.Token).ConfigureAwait(false);
                while (await connection.ReadRequestAsync(_stop.Token).ConfigureAwait(false) is { } request)
                {
                    if (request is MuxNewSession session)
                    {
                        await RunSessionAsync(connection, session).ConfigureAwait(false);
                        return;
                    }
                    if (request is MuxStdioForward stdio)
                    {
                        await RunStdioForwardAsync(connection, stdio).ConfigureAwait(false);
                        return;
                    }
                    if (request is MuxSimpleRequest { Type: MuxProtocol.Proxy } proxy)
                    {
                        await RelayProxyAsync(connection, proxy).ConfigureAwait(false);
                        return;
                    }
                    if (request is MuxForward forward)
                    {
                        var answer = forward.Type == MuxProtocol.OpenForward && !await AllowedAsync($"Open {Describe(forward)} on {_config.HostName}?").ConfigureAwait(false)
                            ? Denied(forward.RequestId)
                            : await ForwardAsync(forward).ConfigureAwait(false);
                        await connection.ReplyAsync(answer, _stop.Token).ConfigureAwait(false);
                        continue;
                    }
                    if (!await AnswerAsync(connection, (MuxSimpleRequest)request).ConfigureAwait(false)) return;
                }
            }
            catch (Exception e) when (e is SshException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                _log.Write(1, $"mux client: {e.Message}");
            }
            finally
            {
                _idle.ClientLeft(Environment.TickCount64);
            }
        }
    }

    /// <summary>
    /// MUX_C_PROXY (ssh -O proxy), as ssh's master: the client's connection-protocol messages are
    /// relayed on this connection, its channels renumbered, until it closes the socket.
    /// </summary>
    private async Task RelayProxyAsync(MuxServerConnection connection, MuxSimpleRequest request)
    {
        _log.Write(1, "mux client in proxy mode");
        var downstream = await connection.AcceptProxyAsync(request.RequestId, _stop.Token).ConfigureAwait(false);
        await using (downstream.ConfigureAwait(false))
        {
            await _client.Connection.RelayAsync(downstream, _stop.Token).ConfigureAwait(false);
        }
        _log.Write(1, "mux proxy client gone");
    }

    /// <summary>Answers a request other than a new session; false when the connection is to close.</summary>
    private async Task<bool> AnswerAsync(MuxServerConnection connection, MuxSimpleRequest request)
    {
        switch (request.Type)
        {
            case MuxProtocol.AliveCheck:
                await connection.ReplyAsync(new MuxReply(MuxProtocol.Alive, request.RequestId, (uint)Environment.ProcessId, null), _stop.Token).ConfigureAwait(false);
                return true;
            case MuxProtocol.StopListening when !await AllowedAsync($"Disable further multiplexing on shared connection to {_config.HostName}? ").ConfigureAwait(false):
            case MuxProtocol.Terminate when !await AllowedAsync($"Terminate shared connection to {_config.HostName}? ").ConfigureAwait(false):
                await connection.ReplyAsync(Denied(request.RequestId), _stop.Token).ConfigureAwait(false);
                return true;
            case MuxProtocol.StopListening:
                _log.Write(1, "mux client asked the master to stop listening");
                // The answer first: a -N master with nothing left to serve ends as soon as it has stopped.
                await connection.ReplyAsync(new MuxReply(MuxProtocol.Ok, request.RequestId, 0, null), _stop.Token).ConfigureAwait(false);
                StopListening();
                _stopped.TrySetResult();
                return true;
            case MuxProtocol.Terminate:
                _log.Write(1, "mux client asked the master to exit");
                await connection.ReplyAsync(new MuxReply(MuxProtocol.Ok, request.RequestId, 0, null), _stop.Token).ConfigureAwait(false);
                _terminated.TrySetResult();
                StopListening();
                _ = _client.Connection.DisconnectAsync("terminated by a multiplexing client");
                return false;
            default:
                await connection.ReplyAsync(new MuxReply(MuxProtocol.Failure, request.RequestId, 0,
                    $"hop's master does not serve request 0x{request.Type:x8}"), _stop.Token).ConfigureAwait(false);
                return true;
        }
    }

    /// <summary>
    /// Opens or closes a client's forward on this connection, as ssh's master: a forward already open
    /// is not opened twice; a remote forward of port 0 answers with the port the server chose.
    /// </summary>
    private async Task<MuxReply> ForwardAsync(MuxForward request)
    {
        if (SshMuxForwards.FromMux(request) is not { } spec)
            return new MuxReply(MuxProtocol.Failure, request.RequestId, 0, "invalid forwarding request");
        bool remote = spec.Kind == Hop.Ssh.Config.ForwardKind.Remote;
        if (request.Type == MuxProtocol.CloseForward)
        {
            bool closed = remote
                ? await _forwarding.CancelRemoteAsync(spec).ConfigureAwait(false)
                : await _forwarding.CancelLocalAsync(spec).ConfigureAwait(false);
            return closed ? new MuxReply(MuxProtocol.Ok, request.RequestId, 0, null)
                : new MuxReply(MuxProtocol.Failure, request.RequestId, 0, "port not found");
        }
        if (_forwarding.Has(spec)) return new MuxReply(MuxProtocol.Ok, request.RequestId, 0, null);
        if (!remote)
        {
            return _forwarding.StartLocal(spec) ? new MuxReply(MuxProtocol.Ok, request.RequestId, 0, null)
                : new MuxReply(MuxProtocol.Failure, request.RequestId, 0, "Port forwarding failed");
        }
        return await _forwarding.StartRemoteAsync(spec).ConfigureAwait(false) switch
        {
            null => new MuxReply(MuxProtocol.Failure, request.RequestId, 0, "Port forwarding failed"),
            int bound when spec.ListenPath is null && spec.ListenPort == 0 => new MuxReply(MuxProtocol.RemotePort, request.RequestId, (uint)bound, null),
            _ => new MuxReply(MuxProtocol.Ok, request.RequestId, 0, null),
        };
    }

    /// <summary>
    /// ControlMaster ask and autoask: whether the user allows a client's request (askpass, in ssh's
    /// words); always true for yes and auto.
    /// </summary>
    private async Task<bool> AllowedAsync(string prompt)
    {
        if (_config.ControlMaster is not ("ask" or "autoask")) return true;
        bool allowed = await Task.Run(() => Prompter.AskPermission(prompt)).ConfigureAwait(false);
        if (!allowed) _log.Write(1, $"mux client request refused by the user: {prompt.Trim()}");
        return allowed;
    }

    private static MuxReply Denied(uint requestId) => new(MuxProtocol.PermissionDenied, requestId, 0, "Permission denied");

    /// <summary>A forward as ssh's master names it when asking (mux.c format_forward).</summary>
    private string Describe(MuxForward f)
    {
        static string Port(uint port) => ((int)port).ToString(System.Globalization.CultureInfo.InvariantCulture);
        string listen = f.ListenHost.Length > 0 ? f.ListenHost : f.Kind != MuxForward.Remote && _config.GatewayPorts ? "*" : "LOCALHOST";
        return f.Kind switch
        {
            MuxForward.Local => $"local forward {listen}:{Port(f.ListenPort)} -> {f.ConnectHost}:{Port(f.ConnectPort)}",
            MuxForward.Remote => $"remote forward {listen}:{Port(f.ListenPort)} -> {f.ConnectHost}:{Port(f.ConnectPort)}",
            _ => $"dynamic forward {listen}:{Port(f.ListenPort)} -> *",
        };
    }

    public async ValueTask DisposeAsync()
    {
        StopListening();
        _windowChanges?.Dispose();
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _accepting.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }
}
