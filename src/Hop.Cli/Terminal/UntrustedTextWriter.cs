using System.Text;

namespace Hop.Cli.Terminal;

/// <summary>
/// A writer that escapes everything it shows: for commands whose every line on the terminal may carry
/// a server's words and none is the remote side's own output (sftp and scp: file names from a listing,
/// the server's status messages). As ssh's sftp prints them: its output through
/// <see cref="UntrustedText.ForTerminal"/>, its errors (<paramref name="log"/>) as log lines.
/// </summary>
internal sealed class UntrustedTextWriter(TextWriter inner, bool log) : TextWriter
{
    private readonly bool _utf8 = UntrustedText.LocaleIsUtf8();
    private char _highSurrogate;

    /// <summary>The writer underneath, for what escapes its own lines (<see cref="DiagnosticLog"/>).</summary>
    public TextWriter Inner => inner;

    public override Encoding Encoding => inner.Encoding;

    public override string NewLine
    {
        get => inner.NewLine;
#pragma warning disable CS8765 // The base property allows null; so does the inner writer's.
        set => inner.NewLine = value;
#pragma warning restore CS8765
    }

    /// <summary>Shows Console.Out and Console.Error through such writers until disposed.</summary>
    public static IDisposable GuardConsole()
    {
        var (output, error) = (Console.Out, Console.Error);
        Console.SetOut(new UntrustedTextWriter(output, log: false));
        Console.SetError(new UntrustedTextWriter(error, log: true));
        return new Restore(output, error);
    }

    public override void Write(char value)
    {
        if (char.IsHighSurrogate(value))
        {
            TakeSurrogate();
            _highSurrogate = value;
            return;
        }
        if (_highSurrogate != default && char.IsLowSurrogate(value))
        {
            inner.Write(Escape(new string([_highSurrogate, value])));
            _highSurrogate = default;
            return;
        }
        Write(value.ToString());
    }

    public override void Write(string? value)
    {
        TakeSurrogate();
        if (!string.IsNullOrEmpty(value)) inner.Write(Escape(value));
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void WriteLine(string? value)
    {
        TakeSurrogate();
        inner.WriteLine(Escape(value ?? ""));
    }

    public override void Flush()
    {
        TakeSurrogate();
        inner.Flush();
    }

    public override Task WriteAsync(string? value)
    {
        Write(value);
        return Task.CompletedTask;
    }

    public override Task WriteLineAsync(string? value)
    {
        WriteLine(value);
        return Task.CompletedTask;
    }

    public override Task FlushAsync()
    {
        TakeSurrogate();
        return inner.FlushAsync();
    }

    /// <summary>A high surrogate that no low one followed is shown escaped.</summary>
    private void TakeSurrogate()
    {
        if (_highSurrogate == default) return;
        inner.Write(Escape(_highSurrogate.ToString()));
        _highSurrogate = default;
    }

    private string Escape(string text) => log ? UntrustedText.ForLog(text) : UntrustedText.ForTerminal(text, _utf8);

    private sealed class Restore(TextWriter output, TextWriter error) : IDisposable
    {
        public void Dispose()
        {
            Console.Out.Flush();
            Console.Error.Flush();
            Console.SetOut(output);
            Console.SetError(error);
        }
    }
}
