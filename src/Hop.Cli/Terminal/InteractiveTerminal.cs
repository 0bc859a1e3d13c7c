using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Hop.Ssh;
using Hop.Ssh.Connection;
using Hop.Ssh.Transport;

namespace Hop.Cli.Terminal;

/// <summary>
/// A session with a pseudo-terminal: asks the server for a PTY with our TERM, size and modes,
/// puts the local terminal in raw mode (restored on every exit path: normal end, exceptions,
/// SIGTERM/SIGHUP/SIGINT/SIGQUIT, process exit), follows window resizes (SIGWINCH →
/// window-change), and handles the "~" escapes typed after a newline.
/// </summary>
internal sealed class InteractiveTerminal : IDisposable
{
    private readonly SessionChannel _session;
    private readonly SshTransport? _transport;
    private readonly DiagnosticLog _log;
    private readonly EscapeFilter _escapes;
    private readonly List<PosixSignalRegistration> _signals = [];
    private readonly Timer? _resizePoll;
    private (uint, uint, uint, uint)? _lastSize;
    private volatile bool _runningCommand;
    private readonly Lock _gate = new();
    private byte[]? _saved;
    private bool _restored;

    private InteractiveTerminal(SessionChannel session, SshTransport? transport, DiagnosticLog log, byte[]? saved, int escapeChar)
    {
        _session = session;
        _transport = transport;
        _log = log;
        _saved = saved;
        _escapes = new EscapeFilter(escapeChar, WriteLocal);
        if (OperatingSystem.IsWindows())
        {
            // The Windows console has no SIGWINCH: poll the window size.
            _lastSize = RawTerminal.WindowSize(1);
            _resizePoll = new Timer(_ => PollWindowSize(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
        }
        else
        {
            _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGWINCH, ctx => { _ = SendWindowSizeAsync(); }));
            // Put the terminal back before the default action (exit) of these signals runs.
            foreach (var s in new[] { PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT })
                _signals.Add(PosixSignalRegistration.Create(s, _ => Restore()));
            // As OpenSSH, Ctrl-C is ignored while a ~C command runs (the terminal is in its normal mode then).
            _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx =>
            {
                if (_runningCommand) ctx.Cancel = true;
                else Restore();
            }));
            _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGCONT, _ => Resume()));
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Restore();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => Restore();
    }

    /// <summary>Runs a "~C" line and returns what to show (lines ending in "\r\n"); runs with the terminal in its normal mode.</summary>
    public Func<string, Task<string>>? CommandLine { get; set; }

    /// <summary>True once "~." asked to disconnect.</summary>
    public bool DisconnectRequested { get; private set; }

    /// <summary>EnableEscapeCommandline: when false, "~C" only says "commandline disabled".</summary>
    public bool CommandLineEnabled
    {
        get => _escapes.CommandLineEnabled;
        set => _escapes.CommandLineEnabled = value;
    }

    private void PollWindowSize()
    {
        var size = RawTerminal.WindowSize(1);
        if (size is null || size == _lastSize) return;
        _lastSize = size;
        _ = SendWindowSizeAsync();
    }

    /// <summary>
    /// Sends pty-req (TERM, size, modes) and puts the local terminal in raw mode, without waiting
    /// for the server's answer (<see cref="PtyGranted"/>): as ssh does, the shell or command request
    /// can follow at once, and no output of it meets a terminal not yet raw.
    /// </summary>
    public static InteractiveTerminal Start(SessionChannel session, SshTransport? transport, DiagnosticLog log, int escapeChar = '~')
    {
        string term = Environment.GetEnvironmentVariable("TERM") ?? "vt100";
        var size = RawTerminal.WindowSize(1) ?? RawTerminal.WindowSize(0) ?? (80, 24, 0, 0);
        var current = RawTerminal.GetAttributes(0);
        log.Write(2, $"pty-req: {term} {size.Cols}x{size.Rows}");
        var granted = session.RequestPtyAsync(term, size.Cols, size.Rows, size.Width, size.Height, TerminalModeEncoder.From(current));
        var saved = RawTerminal.EnterRaw(0);
        return new InteractiveTerminal(session, transport, log, saved, escapeChar) { PtyGranted = ConfirmPtyAsync(granted, session, log) };
    }

    /// <summary>The server's answer to pty-req: false when it refused, said once as ssh says it.</summary>
    public Task<bool> PtyGranted { get; private init; } = Task.FromResult(true);

    private static async Task<bool> ConfirmPtyAsync(Task<bool> reply, SessionChannel session, DiagnosticLog log)
    {
        bool ok = await reply.ConfigureAwait(false);
        if (!ok) log.Write(0, $"PTY allocation request failed on channel {session.LocalChannelId}");
        return ok;
    }

    /// <summary>Our stdin as raw bytes from fd 0 (never Console's line reader), or Console's stream when stdin is not a terminal.</summary>
    public static Stream OpenInput() => RawTerminal.OpenTerminalStream(0) ?? StandardStream.Open(0);

    /// <summary>Our stdout (fd 1) or stderr (fd 2): a raw stream over the descriptor when it is a terminal, else Console's.</summary>
    public static Stream OpenOutput(int fd) => new SynchronousWriteStream(
        RawTerminal.OpenTerminalStream(fd) ?? StandardStream.Open(fd));

    private async Task SendWindowSizeAsync()
    {
        if ((RawTerminal.WindowSize(1) ?? RawTerminal.WindowSize(0)) is not { } s) return;
        try
        {
            _log.Write(2, $"window-change: {s.Cols}x{s.Rows}");
            await _session.WindowChangeAsync(s.Cols, s.Rows, s.Width, s.Height).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or ObjectDisposedException or IOException or InvalidOperationException)
        {
        }
    }

    /// <summary>
    /// Handles escape sequences in <paramref name="data"/> (in place) and passes the rest to
    /// <paramref name="send"/>, in order; a "~C" line is run when it is entered. Returns false when
    /// "~." asked to disconnect.
    /// </summary>
    public async Task<bool> ProcessInputAsync(Memory<byte> data, Func<ReadOnlyMemory<byte>, Task> send)
    {
        ArgumentNullException.ThrowIfNull(send);
        while (data.Length > 0)
        {
            var step = _escapes.Next(data.Span);
            if (step.Written > 0) await send(data[..step.Written]).ConfigureAwait(false);
            data = data[step.Consumed..];
            switch (step.Command)
            {
                case null:
                    break;
                case EscapeCommand.Disconnect:
                    DisconnectRequested = true;
                    WriteLocal($"{(char)_escapes.EscapeChar}.\r\n");
                    return false;
                case EscapeCommand.CommandLineDone:
                    if (step.Line is { } line) await RunCommandLineAsync(line).ConfigureAwait(false);
                    break;
                default:
                    Run(step.Command.Value);
                    break;
            }
        }
        return true;
    }

    private void Run(EscapeCommand command)
    {
        char e = (char)_escapes.EscapeChar;
        switch (command)
        {
            case EscapeCommand.Help:
                WriteLocal(EscapeHelp.Text(e, _escapes.CommandLineEnabled));
                break;
            case EscapeCommand.ListConnections:
                WriteLocal($"{e}#\r\n" + ListChannels(_session.Connection.Channels));
                break;
            case EscapeCommand.Background:
                // OpenSSH forks here and the parent exits; a .NET process cannot fork, so hop stays
                // in the foreground (at logout it waits for forwarded connections, as ssh does).
                WriteLocal($"{e}& escape not available: hop cannot fork into the background\r\n");
                break;
            case EscapeCommand.Rekey:
                WriteLocal($"{e}R\r\n");
                if (_transport is null) break;
                _log.Write(1, "Rekeying on user request (~R)");
                _ = Task.Run(() => RekeyAsync(_transport));
                break;
            case EscapeCommand.MoreVerbose or EscapeCommand.LessVerbose:
                int level = _log.AdjustVerbosity(command == EscapeCommand.MoreVerbose ? 1 : -1);
                WriteLocal($"{e}{(command == EscapeCommand.MoreVerbose ? 'v' : 'V')} [LogLevel {EscapeHelp.LevelName(level)}]\r\n");
                break;
            case EscapeCommand.SendBreak:
                WriteLocal($"{e}B\r\n");
                _ = SendBreakAsync(_session);
                break;
            case EscapeCommand.Suspend:
                WriteLocal($"{e}^Z [suspend hop]\r\n");
                Restore();
                RawTerminal.SuspendSelf();
                Resume();
                break;
            case EscapeCommand.CommandLine:
                WriteLocal(_escapes.CommandLineEnabled ? EscapeCommandLine.Prompt : EscapeCommandLine.Disabled);
                break;
        }
    }

    /// <summary>
    /// The "~#" list, as OpenSSH's channel_open_message writes it: a line per channel with its
    /// number and description, then in parentheses its type and the peer's number for it ("nr"
    /// while the channel is opening). OpenSSH adds its internal state there too (state codes,
    /// buffer sizes, descriptors); hop has no such fields and leaves them out.
    /// </summary>
    internal static string ListChannels(IEnumerable<SshChannel> channels)
    {
        var lines = new StringBuilder("The following connections are open:\r\n");
        foreach (var c in channels)
            lines.Append(CultureInfo.InvariantCulture, $"  #{c.LocalChannelId} {c.Description} ([{c.ChannelType}] {(c.HasRemoteChannelId ? "r" : "nr")}{c.RemoteChannelId})\r\n");
        return lines.ToString();
    }

    /// <summary>"break" (RFC 4335): uint32 break-length in milliseconds.</summary>
    private static readonly byte[] BreakLength = [0, 0, 0x03, 0xE8];

    /// <summary>Rekeys on the user's request (~R); a connection that has ended takes nothing.</summary>
    internal static async Task RekeyAsync(SshTransport transport)
    {
        try
        {
            await transport.RekeyAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SshException or IOException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Sends "break" on <paramref name="session"/> (~B); a session that has ended takes nothing.</summary>
    internal static async Task SendBreakAsync(SessionChannel session)
    {
        try
        {
            await session.SendRequestAsync("break", new Hop.Ssh.Connection.Messages.RawChannelRequestDetails(BreakLength), wantReply: false).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SshException or IOException or ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// Runs an entered "~C" line. As OpenSSH, the terminal is in its normal mode meanwhile, so that
    /// messages logged by the forwarding code print as they do outside the session.
    /// </summary>
    private async Task RunCommandLineAsync(string line)
    {
        _runningCommand = true;
        Restore();
        try
        {
            string reply = CommandLine is null ? "" : await CommandLine(line).ConfigureAwait(false);
            if (reply.Length > 0) WriteLocal(reply);
        }
        finally
        {
            Resume();
            _runningCommand = false;
        }
    }

    private static void WriteLocal(string text) => WriteLocal(Encoding.UTF8.GetBytes(text));

    private static void WriteLocal(ReadOnlySpan<byte> text)
    {
        using var err = OpenOutput(2);
        err.Write(text);
    }

    /// <summary>Back to raw mode after a suspend, a ~C line or a SIGCONT, and tells the server the size.</summary>
    private void Resume()
    {
        lock (_gate)
        {
            if (_saved is null || !_restored) return;
            _saved = RawTerminal.EnterRaw(0);
            _restored = _saved is null;
        }
        _ = SendWindowSizeAsync();
    }

    /// <summary>Puts the local terminal back as it was; safe to call more than once and from any thread.</summary>
    public void Restore()
    {
        lock (_gate)
        {
            if (_restored) return;
            _restored = true;
            if (_saved is not null) RawTerminal.Restore(0, _saved);
        }
    }

    public void Dispose()
    {
        Restore();
        _resizePoll?.Dispose();
        foreach (var s in _signals) s.Dispose();
        _signals.Clear();
        lock (_gate) _saved = null;
    }
}
