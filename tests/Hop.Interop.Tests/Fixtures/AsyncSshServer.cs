using System.Diagnostics;

namespace Hop.Interop.Tests.Fixtures;

/// <summary>
/// An AsyncSSH server (python3-asyncssh) for password and keyboard-interactive logins:
/// user <see cref="TestUser.Name"/>, password <see cref="TestUser.Password"/>, one-time code <see cref="Otp"/>.
/// </summary>
public sealed class AsyncSshServer : IAsyncDisposable
{
    public const string Otp = "424242";
    private readonly Process _process;

    private AsyncSshServer(Process process, string dir, int port)
    {
        _process = process;
        Directory = dir;
        Port = port;
    }

    public string Directory { get; }
    public int Port { get; }
    public string KnownHostsPath => Path.Combine(Directory, "known_hosts");

    /// <param name="mode">password, kbdint or both.</param>
    public static async Task<AsyncSshServer> StartAsync(string mode)
    {
        var keys = await TestKeys.DirectoryAsync();
        var dir = TestPaths.NewTempDir("hop-asyncssh-");
        int port = TestPaths.FreeTcpPort();
        var pub = File.ReadAllText(Path.Combine(keys, "host_ed25519.pub")).Trim().Split(' ');
        File.WriteAllText(Path.Combine(dir, "known_hosts"), $"[127.0.0.1]:{port} {pub[0]} {pub[1]}\n");
        var script = Path.Combine(AppContext.BaseDirectory, "Fixtures", "asyncssh_server.py");
        var psi = new ProcessStartInfo("/usr/bin/python3")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["PYTHONWARNINGS"] = "ignore";
        foreach (var a in new[] { script, port.ToString(System.Globalization.CultureInfo.InvariantCulture), Path.Combine(keys, "host_ed25519"), mode }) psi.ArgumentList.Add(a);
        var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start python3 asyncssh server");
        var server = new AsyncSshServer(p, dir, port);
        _ = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            var line = await p.StandardOutput.ReadLineAsync(cts.Token);
            if (line != "READY") throw new InvalidOperationException($"asyncssh server did not start: {line}");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    public ValueTask DisposeAsync() => ServerProcess.StopAsync(_process, Directory);
}
