using System.Diagnostics;

namespace Hop.Interop.Tests.Fixtures;

/// <summary>
/// An AsyncSSH server (python3-asyncssh) for password and keyboard-interactive logins:
/// user <see cref="TestUser.Name"/>, password <see cref="TestUser.Password"/>, one-time code <see cref="Otp"/>.
/// </summary>
public sealed class AsyncSshServer : IAsyncDisposable
{
    public const string Otp = "424242";

    /// <summary>The new password the "passwd-change" mode takes; it asks again for any other.</summary>
    public const string NewPassword = "hop-New-pw-2";

    /// <summary>The prompts of the "passwd-change" mode's SSH_MSG_USERAUTH_PASSWD_CHANGEREQ: first, and after a new password it refuses.</summary>
    public const string ExpiredPrompt = "Your password has expired; choose a new one.";
    public const string RetryPrompt = "That new password is not acceptable; try another.";
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

    /// <summary>A known_hosts file in <paramref name="dir"/> that names the server's key <paramref name="alias"/> (for HostKeyAlias).</summary>
    public string KnownHostsFileAs(string alias, string dir)
    {
        string path = Path.Combine(dir, "known_hosts");
        File.WriteAllText(path, alias + " " + File.ReadAllText(KnownHostsPath).Split(' ', 2)[1]);
        return path;
    }

    /// <param name="mode">password, kbdint, both, hostile-text or passwd-change.</param>
    /// <param name="loginTimeout">How long a client may take to log in before the server closes the connection (AsyncSSH's default: 2 minutes).</param>
    public static async Task<AsyncSshServer> StartAsync(string mode, TimeSpan? loginTimeout = null)
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
        if (loginTimeout is { } t) psi.ArgumentList.Add(t.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
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
