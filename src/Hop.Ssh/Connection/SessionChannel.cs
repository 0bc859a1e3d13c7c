using Hop.Ssh.Connection.Messages;

namespace Hop.Ssh.Connection;

/// <summary>How a remote command ended: its exit status, or the signal that killed it, or neither.</summary>
public sealed record SessionExit(int? ExitStatus, ExitSignal? Signal);

/// <summary>The "exit-signal" of a remote command (RFC 4254 §6.10).</summary>
public sealed record ExitSignal(string SignalName, bool CoreDumped, string ErrorMessage);

/// <summary>
/// A "session" channel (RFC 4254 §6): a command, a shell or a subsystem, with its standard
/// streams (<see cref="SshChannel.Output"/> = stdout, <see cref="SshChannel.ExtendedOutput"/> =
/// stderr, <see cref="SshChannel.WriteAsync"/> or <see cref="SshChannel.GetInputStream"/> = stdin)
/// and its exit status.
/// </summary>
public sealed class SessionChannel : SshChannel
{
    private readonly TaskCompletionSource<SessionExit> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string? _commandOnOpen;
    private int? _exitStatus;
    private ExitSignal? _exitSignal;
    private volatile bool _commandRefused;

    /// <param name="commandOnOpen">A command to exec the moment the server confirms the channel (see <see cref="SshConnection.StartCommandAsync"/>).</param>
    internal SessionChannel(SshConnection connection, uint localChannelId, ChannelSinks? sinks = null, string? commandOnOpen = null)
        : base(connection, localChannelId, ChannelTypes.Session, sinks)
    {
        _commandOnOpen = commandOnOpen;
        TaskFaults.Observe(_exit.Task);
    }

    /// <summary>Completes when the channel closes, with the exit status or signal the server reported; faults if the connection fails first.</summary>
    public Task<SessionExit> Exit => _exit.Task;

    /// <summary>"exec": runs <paramref name="command"/>; throws when the server refuses.</summary>
    public Task ExecAsync(string command, CancellationToken cancellationToken = default)
        => RequireSuccessAsync(ChannelRequestTypes.Exec, new CommandRequestDetails(command), "exec", cancellationToken);

    /// <summary>"shell": starts the user's login shell; throws when the server refuses.</summary>
    public Task ShellAsync(CancellationToken cancellationToken = default)
        => RequireSuccessAsync(ChannelRequestTypes.Shell, null, "shell", cancellationToken);

    /// <summary>"subsystem" (e.g. sftp); throws when the server refuses.</summary>
    public Task SubsystemAsync(string name, CancellationToken cancellationToken = default)
        => RequireSuccessAsync(ChannelRequestTypes.Subsystem, new CommandRequestDetails(name), "subsystem", cancellationToken);

    /// <summary>"pty-req"; false when the server refused (OpenSSH warns and carries on).</summary>
    public Task<bool> RequestPtyAsync(string term, uint columns, uint rows, uint widthPixels, uint heightPixels, TerminalModes? modes = null, CancellationToken cancellationToken = default)
        => SendRequestAsync(ChannelRequestTypes.PtyReq, new PtyRequestDetails
        {
            Term = term,
            Columns = columns,
            Rows = rows,
            WidthPixels = widthPixels,
            HeightPixels = heightPixels,
            Modes = modes ?? new TerminalModes(),
        }, wantReply: true, cancellationToken);

    /// <summary>"env" (SendEnv/SetEnv). OpenSSH sends it without asking for a reply; servers drop names they do not accept.</summary>
    public Task<bool> SetEnvAsync(string name, string value, bool wantReply = false, CancellationToken cancellationToken = default)
        => SendRequestAsync(ChannelRequestTypes.Env, new EnvRequestDetails { Name = name, Value = value }, wantReply, cancellationToken);

    /// <summary>"window-change" (SIGWINCH); no reply.</summary>
    public Task WindowChangeAsync(uint columns, uint rows, uint widthPixels, uint heightPixels, CancellationToken cancellationToken = default)
        => SendRequestAsync(ChannelRequestTypes.WindowChange, new WindowChangeRequestDetails
        {
            Columns = columns,
            Rows = rows,
            WidthPixels = widthPixels,
            HeightPixels = heightPixels,
        }, wantReply: false, cancellationToken);

    /// <summary>"signal": delivers a signal (name without "SIG", e.g. "INT") to the remote process; no reply.</summary>
    public Task SignalAsync(string signalName, CancellationToken cancellationToken = default)
        => SendRequestAsync(ChannelRequestTypes.Signal, new SignalRequestDetails(signalName), wantReply: false, cancellationToken);

    /// <summary>"auth-agent-req@openssh.com" (-A); OpenSSH asks for no reply.</summary>
    public Task<bool> RequestAgentForwardingAsync(bool wantReply = false, CancellationToken cancellationToken = default)
        => SendRequestAsync(ChannelRequestTypes.AuthAgentReq, null, wantReply, cancellationToken);

    /// <summary>"x11-req" (-X/-Y) with the (fake) cookie as hex text; false when the server refused.</summary>
    public Task<bool> RequestX11Async(bool singleConnection, string protocol, string cookie, uint screenNumber, CancellationToken cancellationToken = default)
        => SendRequestAsync(ChannelRequestTypes.X11Req, new X11RequestDetails
        {
            SingleConnection = singleConnection,
            AuthenticationProtocol = protocol,
            AuthenticationCookie = cookie,
            ScreenNumber = screenNumber,
        }, wantReply: true, cancellationToken);

    private async Task RequireSuccessAsync(string type, ChannelRequestDetails? details, string what, CancellationToken cancellationToken)
    {
        if (!await SendRequestAsync(type, details, wantReply: true, cancellationToken).ConfigureAwait(false))
        {
            throw new SshChannelException($"{what} request failed on channel {LocalChannelId}");
        }
    }

    private protected override void OnOpenConfirmed()
    {
        if (_commandOnOpen is null) return;
        // As OpenSSH's client does, a refused command closes the channel; Exit then says why.
        SendRequestInBackground(ChannelRequestTypes.Exec, new CommandRequestDetails(_commandOnOpen), accepted =>
        {
            if (accepted) return;
            _commandRefused = true;
            CloseInBackground();
        });
    }

    protected override bool OnRequest(ChannelRequestMessage request)
    {
        switch (request.Details)
        {
            case ExitStatusRequestDetails status when request.RequestType == ChannelRequestTypes.ExitStatus:
                _exitStatus = unchecked((int)status.ExitStatus);
                return true;
            case ExitSignalRequestDetails signal when request.RequestType == ChannelRequestTypes.ExitSignal:
                _exitSignal = new ExitSignal(signal.SignalName, signal.CoreDumped, signal.ErrorMessage);
                return true;
            default:
                return false;
        }
    }

    protected override void OnClosed(Exception? error)
    {
        if (error is null && _commandRefused) _exit.TrySetException(new SshChannelException($"exec request failed on channel {LocalChannelId}"));
        else if (error is null) _exit.TrySetResult(new SessionExit(_exitStatus, _exitSignal));
        else _exit.TrySetException(error);
    }
}
