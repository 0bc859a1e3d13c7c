using Hop.Interop.Tests.X11;

namespace Hop.Interop.Tests.Fixtures;

/// <summary>The test classes that run hop.exe under Wine: one at a time, as they share a prefix and its wineserver.</summary>
[CollectionDefinition(Name)]
public sealed class WineCollection
{
    public const string Name = "Wine";
}

/// <summary>
/// The Windows build (hop.exe) run under Wine, on a display of its own (Wine's window driver needs
/// one). Start makes the prefix when there is none and a persistent wineserver; Dispose stops them.
/// </summary>
internal sealed class WineSession : IAsyncDisposable
{
    /// <summary>One prefix for every run: making one takes Wine a while, and it holds nothing of a test's.</summary>
    private const string Prefix = "/tmp/hop-test-wine";

    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private readonly XvfbDisplay _display;

    private WineSession(XvfbDisplay display) => _display = display;

    public static async Task<WineSession> StartAsync()
    {
        var session = new WineSession(await XvfbDisplay.StartAsync());
        await session.StopServerAsync();
        await session.StartServerAsync();
        return session;
    }

    /// <summary>The environment a Windows program runs with (<paramref name="authSock"/>: SSH_AUTH_SOCK, or null for none).</summary>
    public Dictionary<string, string?> Environment(string? authSock = null) => new()
    {
        ["WINEPREFIX"] = Prefix,
        ["WINEDEBUG"] = "-all",
        ["WINEDLLOVERRIDES"] = "winedbg.exe=d", // a crash ends the program instead of waiting in Wine's debugger
        ["DISPLAY"] = _display.Display,
        ["XAUTHORITY"] = _display.AuthorityPath,
        ["SSH_AUTH_SOCK"] = authSock,
    };

    /// <summary>The Windows user's profile folder (%USERPROFILE%, where hop.exe looks for .ssh) as a Linux path.</summary>
    public static string UserProfile => Path.Combine(Prefix, "drive_c", "users", System.Environment.UserName);

    /// <summary>A Linux path as Windows programs under Wine see it (drive Z: is the root).</summary>
    public static string WindowsPath(string path) => "Z:" + path.Replace('/', '\\');

    /// <summary>
    /// Runs hop.exe with <paramref name="args"/>. A run that ends with status 139 (the wine process
    /// killed by SIGSEGV) is run once more: a fault in hop.exe's own code is a Windows exception,
    /// which Wine reports as a Windows exit status, so 139 is Wine's own crash. Seen once in a full
    /// interop run, after every command of an sftp batch had run, and not again in 70 runs of the
    /// same command, idle or under load. Any other status, and a second such crash, is the test's
    /// to judge.
    /// </summary>
    public async Task<ProcessResult> HopAsync(string[] args, string? authSock = null, byte[]? stdin = null)
    {
        string[] argv = [await WindowsHop.PathAsync(), .. args];
        Task<ProcessResult> Run() => ProcessRunner.RunAsync("/usr/bin/wine", argv, Environment(authSock), stdin ?? [], Timeout);
        var r = await Run();
        if (r.ExitCode != WineCrashed) return r;
        Console.Error.WriteLine($"WineSession: wine crashed (status {WineCrashed}) running hop.exe {string.Join(' ', args)}; running it again");
        return await Run();
    }

    /// <summary>128 + SIGSEGV: how .NET's Process reports a process killed by that signal.</summary>
    private const int WineCrashed = 139;

    /// <summary>
    /// Makes the prefix when there is none (without a display and without Wine's .NET and HTML
    /// engines, so that Wine offers to install neither), then starts a persistent wineserver and
    /// Wine's services with no standard streams of ours: a server or service started by one of the
    /// runs would hold that run's pipes open, and the run would not end until they did.
    /// </summary>
    private async Task StartServerAsync()
    {
        if (!File.Exists(Path.Combine(Prefix, "system.reg")))
        {
            var env = Environment();
            env["DISPLAY"] = null;
            env["WINEDLLOVERRIDES"] = "mscoree,mshtml=";
            var boot = await ProcessRunner.RunAsync("/bin/sh", ["-c", "wineboot --init >/dev/null 2>&1 </dev/null; wineserver -w"], env, [], Timeout);
            Assert.True(File.Exists(Path.Combine(Prefix, "system.reg")), "wineboot made no prefix: " + boot);
        }
        var server = await ProcessRunner.RunAsync("/bin/sh", ["-c", "wineserver -p >/dev/null 2>&1 </dev/null; wine cmd /c exit >/dev/null 2>&1 </dev/null"],
            Environment(), [], Timeout);
        Assert.True(server.ExitCode == 0, "wineserver did not start: " + server);
    }

    private async Task StopServerAsync() =>
        await ProcessRunner.RunAsync("/bin/sh", ["-c", "wineserver -k >/dev/null 2>&1 </dev/null; wineserver -w"], Environment(), [], TimeSpan.FromSeconds(30));

    public async ValueTask DisposeAsync()
    {
        await StopServerAsync();
        await _display.DisposeAsync();
    }
}

/// <summary>
/// hop.exe for win-x64 (self-contained, so that Wine needs no .NET of its own): $HOP_WIN_BIN when set,
/// else published on first use into .test-results/win-x64.
/// </summary>
internal static class WindowsHop
{
    private static readonly Lazy<Task<string>> Published = new(PublishAsync);

    public static Task<string> PathAsync()
    {
        string? env = System.Environment.GetEnvironmentVariable("HOP_WIN_BIN");
        return !string.IsNullOrEmpty(env) ? Task.FromResult(env) : Published.Value;
    }

    private static async Task<string> PublishAsync()
    {
        string output = Path.Combine(TestPaths.RepoRoot, ".test-results", "win-x64");
        var r = await ProcessRunner.RunAsync("dotnet", ["publish", Path.Combine(TestPaths.RepoRoot, "src", "Hop.Cli"), "-c", "Release", "-r", "win-x64",
            "--self-contained", "-o", output, "-nologo", "-clp:ErrorsOnly"], timeout: TimeSpan.FromMinutes(10));
        if (r.ExitCode != 0) throw new InvalidOperationException("publishing hop.exe for win-x64 failed: " + r);
        return Path.Combine(output, "hop.exe");
    }
}
