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
    private readonly Lock _gate = new();
    private byte[]? _saved;
    private bool _restored;

    private InteractiveTerminal(SessionChannel session, SshTransport? transport, DiagnosticLog log, byte[]? saved, int escapeChar)
    {
        _session = session;
        _transport = transport;
        _log = log;
        _saved = saved;
        _escapes = new EscapeFilter(escapeChar);
        if (!OperatingSystem.IsWindows())
        {
            _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGWINCH, ctx => { _ = SendWindowSizeAsync(); }));
            // Put the terminal back before the default action (exit) of these signals runs.
            foreach (var s in new[] { PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGINT, PosixSignal.SIGQUIT })
                _signals.Add(PosixSignalRegistration.Create(s, _ => Restore()));
            _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGCONT, _ => Resume()));
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Restore();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => Restore();
    }

    /// <summary>Lines listed by "~#" (the forwarding code adds its own); the session is always listed.</summary>
    public Func<IEnumerable<string>>? ListConnections { get; set; }

    /// <summary>Sends pty-req (TERM, size, modes) and puts the local terminal in raw mode.</summary>
    public static async Task<InteractiveTerminal> StartAsync(SessionChannel session, SshTransport? transport, DiagnosticLog log, int escapeChar = '~')
    {
        string term = Environment.GetEnvironmentVariable("TERM") ?? "vt100";
        var size = RawTerminal.WindowSize(1) ?? RawTerminal.WindowSize(0) ?? (80, 24, 0, 0);
        var current = RawTerminal.GetAttributes(0);
        log.Write(2, $"pty-req: {term} {size.Cols}x{size.Rows}");
        bool ok = await session.RequestPtyAsync(term, size.Cols, size.Rows, size.Width, size.Height, TerminalModeEncoder.From(current)).ConfigureAwait(false);
        if (!ok) log.Write(0, $"PTY allocation request failed on channel {session.LocalChannelId}");
        var saved = RawTerminal.EnterRaw(0);
        return new InteractiveTerminal(session, transport, log, saved, escapeChar);
    }

    /// <summary>Our stdin as raw bytes from fd 0 (never Console's line reader), or Console's stream when stdin is not a terminal.</summary>
    public static Stream OpenInput() => RawTerminal.OpenTerminalStream(0) ?? Console.OpenStandardInput();

    /// <summary>Our stdout (fd 1) or stderr (fd 2): a raw stream over the descriptor when it is a terminal, else Console's.</summary>
    public static Stream OpenOutput(int fd) => new SynchronousWriteStream(
        RawTerminal.OpenTerminalStream(fd) ?? (fd == 2 ? Console.OpenStandardError() : Console.OpenStandardOutput()));

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
    /// Handles escape sequences in place; returns how many bytes remain to send.
    /// <paramref name="disconnect"/> is set by "~.".
    /// </summary>
    public int FilterInput(Span<byte> data, out bool disconnect)
    {
        bool quit = false;
        int n = _escapes.Filter(data, command =>
        {
            if (command == EscapeCommand.Disconnect)
            {
                quit = true;
                return false;
            }
            Run(command);
            return true;
        });
        disconnect = quit;
        return n;
    }

    private void Run(EscapeCommand command)
    {
        char e = (char)_escapes.EscapeChar;
        switch (command)
        {
            case EscapeCommand.Help:
                WriteLocal(EscapeHelp.Text(e));
                break;
            case EscapeCommand.ListConnections:
                var lines = new StringBuilder($"{e}#\r\nThe following connections are open:\r\n");
                lines.Append($"  #{_session.LocalChannelId} client-session (remote channel {_session.RemoteChannelId})\r\n");
                foreach (var line in ListConnections?.Invoke() ?? []) lines.Append("  ").Append(line).Append("\r\n");
                WriteLocal(lines.ToString());
                break;
            case EscapeCommand.Background:
                WriteLocal($"{e}&\r\nBackgrounding at logout is not supported by hop.\r\n");
                break;
            case EscapeCommand.Rekey:
                WriteLocal($"{e}R\r\n");
                if (_transport is null) break;
                _log.Write(1, "Rekeying on user request (~R)");
                _ = Task.Run(async () =>
                {
                    try { await _transport.RekeyAsync().ConfigureAwait(false); }
                    catch (Exception ex) when (ex is SshException or IOException or ObjectDisposedException) { }
                });
                break;
            case EscapeCommand.MoreVerbose or EscapeCommand.LessVerbose:
                int level = _log.AdjustVerbosity(command == EscapeCommand.MoreVerbose ? 1 : -1);
                WriteLocal($"{e}{(command == EscapeCommand.MoreVerbose ? 'V' : 'v')} [LogLevel {EscapeHelp.LevelName(level)}]\r\n");
                break;
            case EscapeCommand.SendBreak:
                WriteLocal($"{e}B\r\n");
                _ = SendBreakAsync();
                break;
            case EscapeCommand.Suspend:
                WriteLocal($"{e}^Z [suspend hop]\r\n");
                Restore();
                RawTerminal.SuspendSelf();
                Resume();
                break;
            case EscapeCommand.CommandLine:
                RunCommandLine();
                break;
        }
    }

    /// <summary>"break" (RFC 4335): uint32 break-length in milliseconds.</summary>
    private static readonly byte[] BreakLength = [0, 0, 0x03, 0xE8];

    private async Task SendBreakAsync()
    {
        try
        {
            await _session.SendRequestAsync("break", new Hop.Ssh.Connection.Messages.RawChannelRequestDetails(BreakLength), wantReply: false).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SshException or IOException or ObjectDisposedException)
        {
        }
    }

    /// <summary>~C: reads one command line in cooked mode, as OpenSSH's "ssh>" prompt.</summary>
    private void RunCommandLine()
    {
        Restore();
        try
        {
            WriteLocal("\r\nhop> ");
            string line = ReadLine().Trim();
            string reply = EscapeHelp.RunCommand(line);
            if (reply.Length > 0) WriteLocal(reply);
        }
        finally
        {
            Resume();
        }
    }

    private static string ReadLine()
    {
        var bytes = new List<byte>();
        using var input = RawTerminal.OpenTerminalStream(0);
        if (input is null) return "";
        var one = new byte[1];
        while (bytes.Count < 1024 && input.Read(one) == 1 && one[0] != '\n' && one[0] != '\r') bytes.Add(one[0]);
        return Encoding.UTF8.GetString(bytes.ToArray());
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
        foreach (var s in _signals) s.Dispose();
        _signals.Clear();
        lock (_gate) _saved = null;
    }
}
