using System.Diagnostics;
using System.Text;
using Hop.Interop.Tests.Fixtures;
using Hop.Interop.Tests.X11;

namespace Hop.Interop.Tests.Agent;

/// <summary>
/// The Pageant role of the Windows build, run under Wine (its user32 windows, WM_COPYDATA between
/// processes, named sections and named pipes are Wine's): `hop.exe agent` opens the Pageant window
/// beside Windows OpenSSH's pipe, `hop.exe add -l` and `hop.exe ssh` reach it with
/// SSH_AUTH_SOCK=pageant, and the key added through the pipe logs in to OpenSSH's sshd through Pageant. PuTTY's own Windows programs are not on this machine; its clients use the same window,
/// class and title, message id and section layout (see PageantCopyData).
/// </summary>
public sealed class PageantWineTests : IAsyncLifetime
{
    /// <summary>One prefix for every run: making one takes Wine a while, and it holds nothing of a test's.</summary>
    private const string WinePrefix = "/tmp/hop-test-wine";

    private static readonly TimeSpan WineTimeout = TimeSpan.FromMinutes(3);
    private SshdServer _sshd = null!;
    private XvfbDisplay _display = null!;
    private string _dir = null!;

    public async Task InitializeAsync()
    {
        _sshd = await SshdServer.StartAsync();
        _display = await XvfbDisplay.StartAsync();
        _dir = TestPaths.NewTempDir("hop-wine-");
        await StopWineAsync();
        await StartWineAsync();
    }

    public async Task DisposeAsync()
    {
        await StopWineAsync();
        await _display.DisposeAsync();
        await _sshd.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private Dictionary<string, string?> WineEnvironment() => new()
    {
        ["WINEPREFIX"] = WinePrefix,
        ["WINEDEBUG"] = "-all",
        ["WINEDLLOVERRIDES"] = "winedbg.exe=d", // a crash ends the program instead of waiting in Wine's debugger
        ["DISPLAY"] = _display.Display,
        ["XAUTHORITY"] = _display.AuthorityPath,
        ["SSH_AUTH_SOCK"] = "pageant",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
    };

    private static string WindowsPath(string path) => "Z:" + path.Replace('/', '\\');

    private Task<ProcessResult> HopExeAsync(params string[] args) => HopExeAsync(args, pageant: true);

    /// <summary>hop.exe with SSH_AUTH_SOCK=pageant, or (<paramref name="pageant"/> false) without it: Windows OpenSSH's pipe.</summary>
    private async Task<ProcessResult> HopExeAsync(string[] args, bool pageant)
    {
        var env = WineEnvironment();
        if (!pageant) env["SSH_AUTH_SOCK"] = null;
        return await ProcessRunner.RunAsync("/usr/bin/wine", [await WindowsHop.PathAsync(), .. args], env, [], WineTimeout);
    }

    /// <summary>
    /// Makes the prefix when there is none (without a display and without Wine's .NET and HTML
    /// engines, so that Wine offers to install neither), then starts a persistent wineserver with
    /// no standard streams of ours: a server started by one of the runs below would hold that run's
    /// pipes open, and the run would not end until the server did.
    /// </summary>
    private async Task StartWineAsync()
    {
        var env = WineEnvironment();
        if (!File.Exists(Path.Combine(WinePrefix, "system.reg")))
        {
            env["DISPLAY"] = null;
            env["WINEDLLOVERRIDES"] = "mscoree,mshtml=";
            var boot = await ProcessRunner.RunAsync("/bin/sh", ["-c", "wineboot --init >/dev/null 2>&1 </dev/null; wineserver -w"], env, [], WineTimeout);
            Assert.True(File.Exists(Path.Combine(WinePrefix, "system.reg")), "wineboot made no prefix: " + boot);
            env = WineEnvironment();
        }
        // The first program also starts Wine's services, which keep its standard streams: /dev/null here.
        var server = await ProcessRunner.RunAsync("/bin/sh", ["-c", "wineserver -p >/dev/null 2>&1 </dev/null; wine cmd /c exit >/dev/null 2>&1 </dev/null"],
            env, [], WineTimeout);
        Assert.True(server.ExitCode == 0, "wineserver did not start: " + server);
    }

    private async Task StopWineAsync() =>
        await ProcessRunner.RunAsync("/bin/sh", ["-c", "wineserver -k >/dev/null 2>&1 </dev/null; wineserver -w"], WineEnvironment(), [], TimeSpan.FromSeconds(30));

    [Fact]
    public async Task HopAgentServesAsPageantToWindowsClientsAndItsKeyLogsIn()
    {
        string key = Path.Combine(_dir, "id_pageant");
        await ProcessRunner.RunCheckedAsync("/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "through-pageant", "-f", key);
        string fingerprint = (await ProcessRunner.RunCheckedAsync("/usr/bin/ssh-keygen", "-l", "-f", key + ".pub")).Stdout.Split(' ')[1];
        await File.AppendAllTextAsync(_sshd.AuthorizedKeysPath, await File.ReadAllTextAsync(key + ".pub"));

        var psi = new ProcessStartInfo("/usr/bin/wine") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true };
        psi.ArgumentList.Add(await WindowsHop.PathAsync());
        psi.ArgumentList.Add("agent");
        psi.ArgumentList.Add("-d");
        foreach (var (k, v) in WineEnvironment()) psi.Environment[k] = v;
        using var agent = Process.Start(psi)!;
        var log = new StringBuilder();
        var serving = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        agent.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (log) log.AppendLine(e.Data);
            if (e.Data.Contains("serving Pageant's clients", StringComparison.Ordinal)) serving.TrySetResult();
        };
        agent.OutputDataReceived += (_, _) => { };
        agent.BeginErrorReadLine();
        agent.BeginOutputReadLine();
        try
        {
            var started = await Task.WhenAny(serving.Task, Task.Run(() => agent.WaitForExit(WineTimeout)));
            lock (log) Assert.True(started == serving.Task, "hop.exe agent did not open its Pageant window: " + log);

            // Added through the agent's other door, Windows OpenSSH's named pipe: one agent, one set of keys.
            var add = await HopExeAsync(["add", WindowsPath(key)], pageant: false);
            Assert.True(add.ExitCode == 0, add.ToString());
            Assert.Contains("Identity added", add.Stderr, StringComparison.Ordinal);
            var list = await HopExeAsync("add", "-l");
            Assert.True(list.ExitCode == 0, list.ToString());
            Assert.Contains(fingerprint + " through-pageant (ED25519)", list.Stdout, StringComparison.Ordinal);

            string[] login = ["ssh", "-F", "NUL", "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={WindowsPath(_sshd.KnownHostsPath)}",
                "-p", _sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{_sshd.User}@127.0.0.1", "echo logged-in"];
            var ssh = await HopExeAsync(login);
            Assert.True(ssh.ExitCode == 0, ssh + "\nagent log:\n" + log);
            Assert.Equal("logged-in", ssh.Stdout.Trim());
            Assert.Contains($"Accepted publickey for {_sshd.User} from 127.0.0.1", _sshd.Log, StringComparison.Ordinal);
            Assert.Contains(fingerprint, _sshd.Log, StringComparison.Ordinal);
            lock (log) Assert.Contains("SignRequest", log.ToString(), StringComparison.Ordinal);
            // Without SSH_AUTH_SOCK, as Windows OpenSSH's ssh: the pipe, found by default.
            var piped = await HopExeAsync(login, pageant: false);
            Assert.True(piped.ExitCode == 0, piped.ToString());
            Assert.Equal("logged-in", piped.Stdout.Trim());
        }
        finally
        {
            if (!agent.HasExited) agent.Kill(entireProcessTree: true);
            agent.WaitForExit(10_000);
        }
        var gone = await HopExeAsync("add", "-l");
        Assert.Equal((2, "Error connecting to agent: Pageant is not running"), (gone.ExitCode, gone.Stderr.Trim()));
        var none = await HopExeAsync(["add", "-l"], pageant: false);
        Assert.Equal((2, "Could not open a connection to your authentication agent."), (none.ExitCode, none.Stderr.Trim()));
    }
}

/// <summary>
/// hop.exe for win-x64 (self-contained, so that Wine needs no .NET of its own): $HOP_WIN_BIN, which
/// ./test.sh publishes once, else published here on first use.
/// </summary>
internal static class WindowsHop
{
    private static readonly Lazy<Task<string>> Published = new(PublishAsync);

    public static Task<string> PathAsync()
    {
        string? env = Environment.GetEnvironmentVariable("HOP_WIN_BIN");
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
