using Hop.Cli.Terminal;

namespace Hop.Cli;

/// <summary>
/// Where -v lines and errors go: stderr, or the -E log file. An error is one line, "hop: ...";
/// its stack trace only at -v. Every line is escaped as ssh's log lines are (a server's words
/// reach them: a disconnect reason, a keyboard-interactive name), a banner as ssh shows one.
/// </summary>
internal sealed class DiagnosticLog : IDisposable
{
    private readonly TextWriter _writer;
    private readonly TextWriter _messages;
    private readonly bool _ownsWriter;
    private readonly object _gate = new();

    public DiagnosticLog(int verbosity, bool quiet, string? logFile = null)
    {
        Verbosity = verbosity;
        Quiet = quiet;
        if (logFile is not null)
        {
            _writer = new StreamWriter(new FileStream(logFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
            _ownsWriter = true;
        }
        else
        {
            _writer = Unescaped(Console.Error);
        }
        _messages = Unescaped(Console.Error);
    }

    /// <summary>A log that writes everything, messages too, to <paramref name="writer"/> (one host's stderr in `hop run`).</summary>
    public DiagnosticLog(int verbosity, bool quiet, TextWriter writer)
    {
        Verbosity = verbosity;
        Quiet = quiet;
        _writer = writer;
        _messages = writer;
    }

    /// <summary>This log escapes its own lines: under sftp's and scp's escaping stderr, the stream beneath it.</summary>
    private static TextWriter Unescaped(TextWriter writer) => writer is UntrustedTextWriter u ? u.Inner : writer;

    public int Verbosity { get; private set; }
    public bool Quiet { get; private set; }

    /// <summary>Applies LogLevel from the config when -v/-q did not already set the level (QUIET, FATAL, ERROR, INFO, VERBOSE, DEBUG1..3).</summary>
    public DiagnosticLog WithLogLevel(string? level)
    {
        if (Verbosity > 0 || Quiet || level is null) return this;
        switch (level.ToUpperInvariant())
        {
            case "QUIET" or "FATAL" or "ERROR": Quiet = true; break;
            case "DEBUG" or "DEBUG1": Verbosity = 1; break;
            case "DEBUG2": Verbosity = 2; break;
            case "DEBUG3": Verbosity = 3; break;
        }
        return this;
    }

    /// <summary>Writes a debug line at <paramref name="level"/> (1..3) when -v asked for it; level 0 always, unless -q.</summary>
    public void Write(int level, string message)
    {
        if (level == 0 ? Quiet : level > Verbosity) return;
        string prefix = level switch { 0 => "", 1 => "debug1: ", 2 => "debug2: ", _ => "debug3: " };
        lock (_gate) _writer.WriteLine(prefix + UntrustedText.ForLog(message));
    }

    /// <summary>
    /// A line ssh writes to stderr whatever the log level and -E (host key warnings, a key file it
    /// cannot load, a banner): stderr, or the one host's stderr of `hop run`.
    /// </summary>
    public void Say(string message)
    {
        lock (_gate) _messages.WriteLine(UntrustedText.ForLog(message));
    }

    /// <summary>
    /// The server's banner, as ssh shows it: on stderr as it came (BatchMode or not), unless the
    /// log level is below INFO (-q, LogLevel QUIET, FATAL or ERROR).
    /// </summary>
    public void ShowBanner(string text)
    {
        if (Quiet) return;
        lock (_gate) _messages.Write(UntrustedText.ForTerminal(text));
    }

    /// <summary>Raises or lowers the level by <paramref name="delta"/> (~V / ~v); returns the new level, -1 for quiet.</summary>
    public int AdjustVerbosity(int delta)
    {
        int level = Math.Clamp((Quiet ? -1 : Verbosity) + delta, -1, 3);
        Quiet = level < 0;
        Verbosity = Math.Max(level, 0);
        return level;
    }

    /// <summary>The callback the library logs through.</summary>
    public Action<int, string> Sink => Write;

    public void Error(Exception e)
    {
        lock (_gate)
        {
            _writer.WriteLine("hop: " + UntrustedText.ForLog(OneLine(e.Message)));
            if (Verbosity > 0) _writer.WriteLine(UntrustedText.ForLog(e.ToString()));
        }
    }

    private static string OneLine(string s) => s.Replace('\n', ' ').Replace('\r', ' ');

    public void Dispose()
    {
        if (_ownsWriter) _writer.Dispose();
    }
}
