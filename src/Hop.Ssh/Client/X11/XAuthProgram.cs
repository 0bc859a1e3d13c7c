using System.Diagnostics;
using System.Globalization;

namespace Hop.Ssh.Client.X11;

/// <summary>
/// Runs xauth (XAuthLocation) as OpenSSH's client does: "list DISPLAY" for the real cookie (-Y),
/// or "-f FILE generate DISPLAY MIT-MAGIC-COOKIE-1 untrusted timeout N" and then "-f FILE list" for
/// an untrusted one (-X).
/// </summary>
public static class XAuthProgram
{
    /// <summary>The first entry xauth lists for <paramref name="display"/>: (protocol, cookie bytes), or null.</summary>
    public static async Task<(string Protocol, byte[] Cookie)?> ListAsync(string xauthPath, string display, string? file, CancellationToken cancellationToken = default)
    {
        var args = new List<string>();
        if (file is not null) args.AddRange(["-f", file]);
        args.AddRange(["list", display]);
        var (code, output) = await RunAsync(xauthPath, args, cancellationToken).ConfigureAwait(false);
        if (code != 0) return null;
        foreach (var line in output.Split('\n'))
        {
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 3) continue;
            try
            {
                return (fields[1], Convert.FromHexString(fields[2]));
            }
            catch (FormatException)
            {
                return null;
            }
        }
        return null;
    }

    /// <summary>Generates an untrusted cookie for <paramref name="display"/> into <paramref name="file"/>; true when xauth succeeded.</summary>
    public static async Task<bool> GenerateUntrustedAsync(string xauthPath, string file, string display, uint timeoutSeconds, CancellationToken cancellationToken = default)
    {
        // The arguments ssh gives xauth, no more (its stderr is read and dropped, as ssh sends it to /dev/null).
        var args = new List<string> { "-f", file, "generate", display, "MIT-MAGIC-COOKIE-1", "untrusted" };
        if (timeoutSeconds > 0) args.AddRange(["timeout", timeoutSeconds.ToString(CultureInfo.InvariantCulture)]);
        var (code, _) = await RunAsync(xauthPath, args, cancellationToken).ConfigureAwait(false);
        return code == 0;
    }

    private static async Task<(int Code, string Output)> RunAsync(string path, List<string> args, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(path)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new IOException($"cannot run {path}");
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            await p.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new IOException($"{path} did not finish");
        }
        await stderr.ConfigureAwait(false);
        return (p.ExitCode, await stdout.ConfigureAwait(false));
    }
}
