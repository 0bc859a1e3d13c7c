using System.Diagnostics;

namespace Hop.Interop.Tests.Fixtures;

/// <summary>
/// A throwaway dropbear server on 127.0.0.1 and a free port, logging in as <see cref="TestUser"/>,
/// whose ~/.ssh/authorized_keys it fills with the test user keys.
/// </summary>
public sealed class DropbearServer : IAsyncDisposable
{
    private readonly Process _process;

    private DropbearServer(Process process, string dir, int port)
    {
        _process = process;
        Directory = dir;
        Port = port;
    }

    public string Directory { get; }
    public int Port { get; }
    public string User => TestUser.Name;
    public string KnownHostsPath => Path.Combine(Directory, "known_hosts");

    public static async Task<DropbearServer> StartAsync(string hostKeyType = "ed25519")
    {
        await TestUser.EnsureAsync();
        var keys = await TestKeys.DirectoryAsync();
        var dir = TestPaths.NewTempDir("hop-dropbear-");
        int port = TestPaths.FreeTcpPort();
        var hostKey = Path.Combine(dir, "host_key");
        await ProcessRunner.RunCheckedAsync("/usr/bin/dropbearkey", "-t", hostKeyType, "-f", hostKey);
        var pub = await ProcessRunner.RunCheckedAsync("/usr/bin/dropbearkey", "-y", "-f", hostKey);
        var line = pub.Stdout.Split('\n').First(l => l.StartsWith("ssh-", StringComparison.Ordinal) || l.StartsWith("ecdsa-", StringComparison.Ordinal)).Split(' ');
        File.WriteAllText(Path.Combine(dir, "known_hosts"), $"[127.0.0.1]:{port} {line[0]} {line[1]}\n");

        var sshDir = Path.Combine(TestUser.Home, ".ssh");
        System.IO.Directory.CreateDirectory(sshDir);
        var auth = TestKeys.UserKeyTypes.Select(t => File.ReadAllText(Path.Combine(keys, $"id_{t}.pub")).Trim());
        var authPath = Path.Combine(sshDir, "authorized_keys");
        File.WriteAllLines(authPath, auth);
        await ProcessRunner.RunCheckedAsync("/bin/chown", "-R", $"{TestUser.Name}:{TestUser.Name}", sshDir);
        File.SetUnixFileMode(sshDir, (UnixFileMode)0b111_000_000);
        File.SetUnixFileMode(authPath, (UnixFileMode)0b110_000_000);

        var psi = new ProcessStartInfo("/usr/sbin/dropbear")
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var a in new[] { "-F", "-E", "-m", "-r", hostKey, "-p", $"127.0.0.1:{port}", "-P", Path.Combine(dir, "dropbear.pid") }) psi.ArgumentList.Add(a);
        var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start dropbear");
        var server = new DropbearServer(p, dir, port);
        // Drain its log so that the pipe never fills.
        _ = p.StandardError.ReadToEndAsync();
        try
        {
            await TestPaths.WaitForPortAsync(port, TimeSpan.FromSeconds(15), () => p.HasExited ? $"dropbear exited {p.ExitCode}" : "");
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
