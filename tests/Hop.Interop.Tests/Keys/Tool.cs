using System.Diagnostics;

namespace Hop.Interop.Tests.Keys;

/// <summary>Runs a peer tool (ssh-keygen, puttygen, hop) with a timeout and captures its output.</summary>
internal static class Tool
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(string file, IEnumerable<string> args, string? stdin = null, int timeoutMs = 60_000,
        IDictionary<string, string>? env = null)
    {
        Assert.True(File.Exists(file), $"{file} is missing");
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null)
        {
            foreach (var (k, v) in env) psi.Environment[k] = v;
        }
        using var p = Process.Start(psi)!;
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        try
        {
            if (stdin is not null) p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        catch (IOException)
        {
            // The tool exited, or stopped reading, before taking all of its input; its exit code says the rest.
        }
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(true);
            Assert.Fail($"{file} {string.Join(' ', args)} timed out");
        }
        p.WaitForExit();
        return new Result(p.ExitCode, so.Result, se.Result);
    }

    public static Result SshKeygen(params string[] args) => Run("/usr/bin/ssh-keygen", args);

    public static Result Puttygen(params string[] args) => Run("/usr/bin/puttygen", args);

    public static Result Ok(Result r, string what)
    {
        Assert.True(r.ExitCode == 0, $"{what} exited {r.ExitCode}: {r.Stderr}{r.Stdout}");
        return r;
    }

    /// <summary>The hop under test: $HOP_BIN when set (the NativeAOT binary), else the Release build.</summary>
    public static string Hop => Fixtures.TestPaths.HopBinary;
}

/// <summary>A temporary directory removed after the test.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = Directory.CreateTempSubdirectory("hop-keys-").FullName;
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string Path { get; }
    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, true); } catch (IOException) { }
    }

    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public string WritePrivate(string name, string content)
    {
        string p = this[name];
        File.WriteAllText(p, content);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(p, Private);
        return p;
    }
}
