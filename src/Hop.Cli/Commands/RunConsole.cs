using System.Globalization;
using System.Text;
using Hop.Cli.Terminal;

namespace Hop.Cli.Commands;

/// <summary>
/// `hop run`'s standard output, shared by every host: a host's report (status line, then its
/// output with -i) and -P's lines go out whole, one at a time. Status lines are parallel-ssh's:
/// "[N] HH:MM:SS [SUCCESS] host" or "[N] HH:MM:SS [FAILURE] host why", coloured on a terminal.
/// </summary>
internal sealed class RunConsole(Stream stdout, bool colour)
{
    private readonly Lock _gate = new();
    private int _reported;

    public static RunConsole ForStandardOutput() => new(StandardStream.Open(1), UseColour());

    private static bool UseColour() =>
        !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")) &&
        Environment.GetEnvironmentVariable("TERM") is { Length: > 0 } term && term != "dumb";

    /// <summary>-P: one line of a host's output, after its prefix.</summary>
    public void WriteLine(string prefix, byte[] line)
    {
        lock (_gate)
        {
            stdout.Write(Encoding.UTF8.GetBytes(prefix));
            stdout.Write(line);
            stdout.Flush();
        }
    }

    /// <summary>A finished host: its status line, then its stdout and (after "Stderr: ") its stderr when given.</summary>
    public void Report(string host, IReadOnlyList<string> failures, byte[]? output, byte[]? errorOutput)
    {
        lock (_gate)
        {
            int n = ++_reported;
            string time = DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
            string progress = Paint("1;36", $"[{n.ToString(CultureInfo.InvariantCulture)}]");
            string line = failures.Count == 0
                ? $"{progress} {time} {Paint("1;32", "[SUCCESS]")} {host}\n"
                : $"{progress} {time} {Paint("1;31", "[FAILURE]")} {host} {Paint("1;31", string.Join(", ", failures))}\n";
            stdout.Write(Encoding.UTF8.GetBytes(line));
            if (output is { Length: > 0 }) stdout.Write(output);
            if (errorOutput is { Length: > 0 })
            {
                stdout.Write(Encoding.UTF8.GetBytes(Paint("31", "Stderr: ")));
                stdout.Write(errorOutput);
            }
            stdout.Flush();
        }
    }

    private string Paint(string sgr, string text) => colour ? $"\e[{sgr}m{text}\e[0m" : text;
}
