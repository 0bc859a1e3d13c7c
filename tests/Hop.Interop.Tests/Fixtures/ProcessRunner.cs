using System.Diagnostics;
using System.Text;

namespace Hop.Interop.Tests.Fixtures;

/// <summary>The outcome of a finished process.</summary>
public sealed record ProcessResult(int ExitCode, byte[] StdoutBytes, string Stderr)
{
    public string Stdout => Encoding.UTF8.GetString(StdoutBytes);
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>Runs a program with a hard timeout; the process tree is killed when it runs over.</summary>
public static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> args,
        IDictionary<string, string?>? env = null,
        byte[]? stdin = null,
        TimeSpan? timeout = null,
        string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                if (v is null) psi.Environment.Remove(k);
                else psi.Environment[k] = v;
            }
        }
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {fileName}");
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        var stdout = new MemoryStream();
        var outTask = p.StandardOutput.BaseStream.CopyToAsync(stdout, cts.Token);
        var errTask = p.StandardError.ReadToEndAsync(cts.Token);
        try
        {
            if (stdin is not null) await p.StandardInput.BaseStream.WriteAsync(stdin, cts.Token);
            p.StandardInput.Close();
        }
        catch (IOException)
        {
            // The program exited before reading all of its input; its exit code tells the rest.
        }
        try
        {
            await p.WaitForExitAsync(cts.Token);
            await outTask;
            string err = await errTask;
            return new ProcessResult(p.ExitCode, stdout.ToArray(), err);
        }
        catch (OperationCanceledException)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish within {timeout ?? TimeSpan.FromSeconds(60)}");
        }
    }

    /// <summary>Runs and throws unless the exit code is 0.</summary>
    public static async Task<ProcessResult> RunCheckedAsync(string fileName, params string[] args)
    {
        var r = await RunAsync(fileName, args);
        if (r.ExitCode != 0) throw new InvalidOperationException($"{fileName} {string.Join(' ', args)} failed: {r}");
        return r;
    }
}
