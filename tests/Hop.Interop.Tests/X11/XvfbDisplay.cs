using System.Diagnostics;
using System.Security.Cryptography;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.X11;

/// <summary>
/// A headless X server (Xvfb :N) on a free display number, listening on its Unix socket only and
/// requiring the MIT-MAGIC-COOKIE-1 cookie kept in <see cref="AuthorityPath"/>. Killed on dispose.
/// </summary>
internal sealed class XvfbDisplay : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    private XvfbDisplay(Process process, string dir, int number)
    {
        _process = process;
        _dir = dir;
        Number = number;
    }

    public int Number { get; }
    public string Display => ":" + Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
    public string AuthorityPath => Path.Combine(_dir, "Xauthority");

    public static async Task<XvfbDisplay> StartAsync()
    {
        var dir = TestPaths.NewTempDir("hop-xvfb-");
        for (int attempt = 0; attempt < 20; attempt++)
        {
            int n = 90 + RandomNumberGenerator.GetInt32(0, 400);
            if (InUse(n)) continue;
            string display = ":" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            string auth = Path.Combine(dir, "Xauthority");
            await ProcessRunner.RunCheckedAsync("/usr/bin/xauth", "-f", auth, "add", display, ".", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
            var psi = new ProcessStartInfo("/usr/bin/Xvfb") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            // -noreset: a server that resets when its last client leaves forgets the cookies xauth generates.
            foreach (var a in new[] { display, "-nolisten", "tcp", "-noreset", "-auth", auth, "-screen", "0", "640x480x24" }) psi.ArgumentList.Add(a);
            var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start Xvfb");
            _ = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            var deadline = DateTime.UtcNow.AddSeconds(20);
            bool serving = false;
            while (!p.HasExited && !(serving = await IsServingAsync(n, p.Id)) && DateTime.UtcNow < deadline) await Task.Delay(50);
            if (serving && !p.HasExited) return new XvfbDisplay(p, dir, n);
            if (!p.HasExited) p.Kill();
            await p.WaitForExitAsync();
            string err = await stderr;
            p.Dispose();
            if (!err.Contains("already active", StringComparison.Ordinal) && !err.Contains("Server is already", StringComparison.Ordinal))
                throw new InvalidOperationException("Xvfb did not start: " + err);
        }
        throw new InvalidOperationException("no free X display number");
    }

    /// <summary>
    /// Whether our Xvfb (<paramref name="pid"/>) serves display <paramref name="n"/>: the lock file names
    /// it (another test's server that took the same number first leaves its own socket there, and ours
    /// then exits with "already active"), and its socket takes a connection (the file exists from bind(),
    /// a moment before listen()).
    /// </summary>
    private static async Task<bool> IsServingAsync(int n, int pid)
    {
        try
        {
            if (LockOwner(n) != pid) return false;
            using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
            await probe.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(SocketFile(n)));
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private static string LockFile(int n) => $"/tmp/.X{n}-lock";

    private static string SocketFile(int n) => $"/tmp/.X11-unix/X{n}";

    /// <summary>The process id an X server wrote into display <paramref name="n"/>'s lock file; throws IOException when there is none.</summary>
    private static int? LockOwner(int n) => int.TryParse(File.ReadAllText(LockFile(n)).Trim(), out int pid) ? pid : null;

    /// <summary>
    /// Whether display <paramref name="n"/> belongs to a running X server. A lock file whose process is
    /// gone is stale (an X server that was killed leaves it), and Xvfb takes such a display over itself.
    /// </summary>
    private static bool InUse(int n)
    {
        if (!File.Exists(LockFile(n))) return File.Exists(SocketFile(n));
        try
        {
            return LockOwner(n) is int pid && Directory.Exists($"/proc/{pid}");
        }
        catch (IOException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        // Killed, Xvfb cannot remove its lock file and socket; they would pile up in /tmp run after run.
        foreach (var f in new[] { LockFile(Number), SocketFile(Number) })
        {
            try { File.Delete(f); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
