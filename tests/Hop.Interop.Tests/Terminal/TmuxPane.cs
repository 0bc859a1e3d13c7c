using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Terminal;

/// <summary>
/// A detached tmux session on its own server socket, running one command in a pane of a given
/// size: keys go in with send-keys, the screen comes out with capture-pane. Killed on dispose.
/// </summary>
internal sealed class TmuxPane : IAsyncDisposable
{
    private readonly string _socket = "hop-test-" + Guid.NewGuid().ToString("N")[..12];

    private TmuxPane()
    {
    }

    public static async Task<TmuxPane> StartAsync(string shellCommand, int columns = 100, int rows = 30)
    {
        var pane = new TmuxPane();
        // remain-on-exit in the same command sequence as new-session: the server runs both before it
        // looks at its children, so a command that ends at once (hop connects in ~30 ms) still
        // leaves its pane, and the server, to be read. Set by a second tmux call, it came too late.
        await pane.RunAsync("new-session", "-d", "-s", "t", "-x", columns.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-y", rows.ToString(System.Globalization.CultureInfo.InvariantCulture), shellCommand,
            ";", "set-option", "-t", "t", "remain-on-exit", "on");
        return pane;
    }

    public Task SendKeysAsync(params string[] keys) => RunAsync(["send-keys", "-t", "t", .. keys]);

    /// <summary>Types <paramref name="text"/> literally, then Enter.</summary>
    public async Task TypeLineAsync(string text)
    {
        await RunAsync("send-keys", "-t", "t", "-l", "--", text);
        await RunAsync("send-keys", "-t", "t", "Enter");
    }

    public Task ResizeAsync(int columns, int rows) => RunAsync("resize-window", "-t", "t",
        "-x", columns.ToString(System.Globalization.CultureInfo.InvariantCulture), "-y", rows.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public async Task<string> CaptureAsync() => (await RunAsync("capture-pane", "-p", "-t", "t", "-S", "-200")).Stdout;

    /// <summary>The screen with lines wider than the pane joined back into one.</summary>
    public async Task<string> CaptureJoinedAsync() => (await RunAsync("capture-pane", "-p", "-J", "-t", "t", "-S", "-200")).Stdout;

    /// <summary>A tmux format evaluated for the pane (e.g. "#{keypad_cursor_flag}").</summary>
    public async Task<string> FormatAsync(string format) => (await RunAsync("display-message", "-p", "-t", "t", format)).Stdout.Trim();

    /// <summary>The pane's terminal device (/dev/pts/N).</summary>
    public async Task<string> TtyAsync() => (await RunAsync("display-message", "-p", "-t", "t", "#{pane_tty}")).Stdout.Trim();

    /// <summary>Polls the screen until it contains <paramref name="text"/>; fails with the screen after <paramref name="seconds"/>.</summary>
    public async Task<string> WaitForAsync(string text, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        string screen = "";
        while (DateTime.UtcNow < deadline)
        {
            screen = await CaptureAsync();
            if (screen.Contains(text, StringComparison.Ordinal)) return screen;
            await Task.Delay(100);
        }
        throw new TimeoutException($"\"{text}\" did not appear on the screen within {seconds}s:\n{screen}");
    }

    private async Task<ProcessResult> RunAsync(params string[] args)
    {
        var r = await ProcessRunner.RunAsync("/usr/bin/tmux", ["-L", _socket, .. args], timeout: TimeSpan.FromSeconds(20));
        if (r.ExitCode != 0) throw new InvalidOperationException($"tmux {string.Join(' ', args)}: {r}");
        return r;
    }

    public async ValueTask DisposeAsync()
    {
        await ProcessRunner.RunAsync("/usr/bin/tmux", ["-L", _socket, "kill-server"], timeout: TimeSpan.FromSeconds(20));
    }
}
