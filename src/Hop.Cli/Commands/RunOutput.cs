using System.Text;
using Hop.Ssh.Connection;

namespace Hop.Cli.Commands;

/// <summary>
/// One stream (stdout or stderr) of one host in `hop run`: kept in memory for the report (-i),
/// written to its file in -o/-e as it arrives (a temp file, renamed into place when the host is
/// done), and for stdout with -P printed line by line as "host: line".
/// </summary>
internal sealed class RunOutput : IChannelDataSink, IDisposable
{
    /// <summary>What is kept in memory for the report, per stream; the file (-o/-e) still gets all of it.</summary>
    public const int KeepLimit = 16 * 1024 * 1024;

    private readonly Lock _gate = new();
    private readonly MemoryStream? _kept;
    private readonly FileStream? _file;
    private readonly string? _path;
    private readonly RunConsole? _printer;
    private readonly string _printPrefix = "";
    private readonly MemoryStream _partialLine = new();
    private bool _finished;

    /// <param name="keep">keep what arrives for the report</param>
    /// <param name="directory">-o/-e: the folder for a file named <paramref name="fileName"/></param>
    /// <param name="printer">-P: print lines as they arrive, after "<paramref name="host"/>: "</param>
    public RunOutput(bool keep, string? directory, string fileName, RunConsole? printer, string host)
    {
        if (keep) _kept = new MemoryStream();
        if (directory is not null)
        {
            _path = Path.Combine(directory, fileName);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = (UnixFileMode)0b110_100_100;
            _file = new FileStream(Path.Combine(directory, $".{fileName}.{Path.GetRandomFileName()}"), options);
        }
        _printer = printer;
        _printPrefix = host + ": ";
    }

    /// <summary>True when more arrived than <see cref="KeepLimit"/> and the report shows only the start.</summary>
    public bool Truncated { get; private set; }

    public byte[] Kept
    {
        get { lock (_gate) return _kept?.ToArray() ?? []; }
    }

    public int Write(ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            if (_kept is not null)
            {
                int room = (int)Math.Min(data.Length, KeepLimit - _kept.Length);
                _kept.Write(data[..room]);
                if (room < data.Length) Truncated = true;
            }
            _file?.Write(data);
            if (_printer is not null) PrintLines(data);
        }
        return data.Length;
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data)
    {
        Write(data.Span);
        return ValueTask.CompletedTask;
    }

    /// <summary>Appends text (this host's own messages: connection errors, warnings).</summary>
    public void Write(string text) => Write(Encoding.UTF8.GetBytes(text));

    private void PrintLines(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            int nl = data.IndexOf((byte)'\n');
            if (nl < 0)
            {
                _partialLine.Write(data);
                return;
            }
            _partialLine.Write(data[..(nl + 1)]);
            _printer!.WriteLine(_printPrefix, _partialLine.ToArray());
            _partialLine.SetLength(0);
            data = data[(nl + 1)..];
        }
    }

    /// <summary>Prints a last line that had no newline, and puts the file in place.</summary>
    public void Finish()
    {
        lock (_gate)
        {
            if (_printer is not null && _partialLine.Length > 0)
            {
                _partialLine.WriteByte((byte)'\n');
                _printer.WriteLine(_printPrefix, _partialLine.ToArray());
                _partialLine.SetLength(0);
            }
            if (_file is null || _finished) return;
            _finished = true;
            _file.Flush(flushToDisk: true);
            _file.Dispose();
            File.Move(_file.Name, _path!, overwrite: true);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_file is null || _finished) return;
            _finished = true;
            _file.Dispose();
            File.Delete(_file.Name);
        }
    }
}

/// <summary>A <see cref="TextWriter"/> over a host's stderr <see cref="RunOutput"/>, for its <see cref="DiagnosticLog"/>.</summary>
internal sealed class RunOutputWriter(RunOutput output) : TextWriter
{
    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value) => output.Write(value.ToString());

    public override void Write(string? value)
    {
        if (value is not null) output.Write(value);
    }

    public override void Write(char[] buffer, int index, int count) => output.Write(new string(buffer, index, count));
}
