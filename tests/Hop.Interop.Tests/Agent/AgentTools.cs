using System.Diagnostics;
using System.Text;

namespace Hop.Interop.Tests.Agent;

/// <summary>Runs the peers (ssh-add, ssh-agent, ssh-keygen) and the built `hop`, with timeouts.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class AgentTools
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The `hop` under test: $HOP_BIN when set (the NativeAOT binary), else the Release build.</summary>
    public static string HopPath
    {
        get
        {
            string hop = Fixtures.TestPaths.HopBinary;
            Assert.True(File.Exists(hop), $"{hop} is missing: build the solution in Release first");
            return hop;
        }
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string All => Stdout + Stderr;
    }

    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, IDictionary<string, string?>? env = null, string? stdin = null, TimeSpan? timeout = null, string? workDir = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workDir ?? "",
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        // No stray agent or askpass from the environment the tests run in.
        psi.Environment.Remove("SSH_AUTH_SOCK");
        psi.Environment.Remove("SSH_AGENT_PID");
        psi.Environment.Remove("SSH_ASKPASS");
        psi.Environment.Remove("DISPLAY");
        psi.Environment["SSH_ASKPASS_REQUIRE"] = "never";
        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                if (v is null) psi.Environment.Remove(k);
                else psi.Environment[k] = v;
            }
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        try
        {
            if (stdin is not null) await p.StandardInput.WriteAsync(stdin);
            p.StandardInput.Close();
        }
        catch (IOException)
        {
            // The program stopped reading (or exited) before it took all of its input.
        }
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish");
        }
        return new Result(p.ExitCode, await stdout, await stderr);
    }

    /// <summary>Generates a key with ssh-keygen (mode 0600) and returns its path.</summary>
    public static async Task<string> KeygenAsync(string dir, string name, string type, string passphrase = "", string? comment = null)
    {
        string path = Path.Combine(dir, name);
        var args = new List<string> { "-q", "-t", type, "-N", passphrase, "-C", comment ?? name + "@test", "-f", path };
        if (type == "rsa") args.InsertRange(0, ["-b", "3072"]);
        if (type == "ecdsa") args.InsertRange(0, ["-b", "256"]);
        var r = await RunAsync("/usr/bin/ssh-keygen", args);
        Assert.True(r.ExitCode == 0, r.All);
        return path;
    }

    /// <summary>Writes an executable askpass script that logs its prompt and SSH_ASKPASS_PROMPT, then prints <paramref name="answerFile"/>'s content (exit 1 if the file says "no").</summary>
    public static string WriteAskpass(string dir, string name, string answerFile)
    {
        string path = Path.Combine(dir, name);
        string log = path + ".log";
        File.WriteAllText(path,
            "#!/bin/sh\n" +
            $"echo \"prompt=$1 kind=$SSH_ASKPASS_PROMPT\" >> '{log}'\n" +
            $"answer=$(cat '{answerFile}')\n" +
            "if [ \"$answer\" = no ]; then exit 1; fi\n" +
            "printf '%s\\n' \"$answer\"\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    public static async Task KillAsync(int pid, string signal = "TERM")
    {
        var r = await RunAsync("/bin/kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.True(r.ExitCode == 0, r.All);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (await condition()) return true;
            await Task.Delay(100);
        }
        return await condition();
    }
}

/// <summary>
/// An agent process in the foreground (`hop agent -D|-d -a SOCK` or `ssh-agent -D|-d -a SOCK`),
/// ready once it printed its SSH_AUTH_SOCK line; stopped with SIGTERM.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly Task _stderrPump;

    private AgentProcess(Process process, string socket)
    {
        _process = process;
        Socket = socket;
        _stderrPump = Task.Run(async () =>
        {
            string? line;
            while ((line = await process.StandardError.ReadLineAsync()) is not null)
            {
                lock (_stderr) _stderr.AppendLine(line);
            }
        });
    }

    public string Socket { get; }
    public int Pid => _process.Id;

    public string Log
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    public Dictionary<string, string?> Env => new() { ["SSH_AUTH_SOCK"] = Socket };

    public static async Task<AgentProcess> StartAsync(bool hop, string socket, bool debug = false, IDictionary<string, string?>? env = null, params string[] extra)
    {
        var psi = new ProcessStartInfo(hop ? AgentTools.HopPath : "/usr/bin/ssh-agent")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (hop) psi.ArgumentList.Add("agent");
        psi.ArgumentList.Add(debug ? "-d" : "-D");
        psi.ArgumentList.Add("-a");
        psi.ArgumentList.Add(socket);
        foreach (var e in extra) psi.ArgumentList.Add(e);
        psi.Environment.Remove("SSH_AUTH_SOCK");
        psi.Environment.Remove("DISPLAY");
        psi.Environment["SSH_ASKPASS_REQUIRE"] = "never";
        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                if (v is null) psi.Environment.Remove(k);
                else psi.Environment[k] = v;
            }
        }
        var p = Process.Start(psi)!;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        string? first = await p.StandardOutput.ReadLineAsync(cts.Token);
        Assert.True(first is not null && first.Contains(socket, StringComparison.Ordinal), $"agent did not start: {first}");
        return new AgentProcess(p, socket);
    }

    public async Task<int> StopAsync()
    {
        if (!_process.HasExited) await AgentTools.KillAsync(_process.Id);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _process.WaitForExitAsync(cts.Token);
        await _stderrPump.WaitAsync(TimeSpan.FromSeconds(5));
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (Exception) when (!_process.HasExited)
        {
            _process.Kill(true);
        }
        _process.Dispose();
    }
}

/// <summary>A temporary directory removed after the test.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Path = Directory.CreateTempSubdirectory("hop-agent-it-").FullName;
    public string Path { get; }
    public string this[string name] => System.IO.Path.Combine(Path, name);
    public void Dispose()
    {
        try { Directory.Delete(Path, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
