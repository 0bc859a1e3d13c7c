using System.Diagnostics;

namespace Hop.Interop.Tests.Config;

/// <summary>Runs an OpenSSH tool and captures what it prints; a missing tool fails the test.</summary>
internal static class Peer
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(string program, IEnumerable<string> args, string? workingDirectory = null, string? stdin = null, Dictionary<string, string>? environment = null)
    {
        Assert.True(File.Exists(program), $"{program} is not installed");
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? []) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(30_000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{program} timed out");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    public static Result Keygen(params string[] args) => Run("/usr/bin/ssh-keygen", args);
}
