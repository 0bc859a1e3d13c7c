using System.Diagnostics;

namespace Hop.Interop.Tests.Fixtures;

/// <summary>
/// A throwaway OpenSSH sshd on 127.0.0.1 and a free port, with its own config, host keys,
/// authorized_keys and known_hosts in a temp dir; stopped (killed) on dispose.
/// </summary>
public sealed class SshdServer : IAsyncDisposable
{
    private readonly Process _process;

    private SshdServer(Process process, string dir, int port, string user)
    {
        _process = process;
        Directory = dir;
        Port = port;
        User = user;
    }

    public string Directory { get; }
    public int Port { get; }
    public string User { get; }
    public string Host => "127.0.0.1";
    public string ConfigPath => Path.Combine(Directory, "sshd_config");
    public string LogPath => Path.Combine(Directory, "sshd.log");
    public string AuthorizedKeysPath => Path.Combine(Directory, "authorized_keys");

    /// <summary>A known_hosts file that trusts every host key of this server.</summary>
    public string KnownHostsPath => Path.Combine(Directory, "known_hosts");

    public string Log => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "(no log)";

    /// <summary>
    /// Starts sshd. <paramref name="extraConfig"/> lines (KexAlgorithms, Ciphers, MACs, ...) come
    /// before the defaults, so they win (sshd takes the first value). <paramref name="hostKeys"/>
    /// names the host key types to serve (default: all of <see cref="TestKeys.HostKeyTypes"/>).
    /// Without <paramref name="sftpSubsystem"/> the server refuses the "sftp" subsystem.
    /// </summary>
    public static async Task<SshdServer> StartAsync(IEnumerable<string>? extraConfig = null, IEnumerable<string>? hostKeys = null, string? user = null, bool sftpSubsystem = true)
    {
        await TestUser.EnsureAsync();
        user ??= TestUser.Name;
        System.IO.Directory.CreateDirectory("/run/sshd");
        var keys = await TestKeys.DirectoryAsync();
        var dir = System.IO.Directory.CreateTempSubdirectory("hop-sshd-").FullName;
        // The login user reads authorized_keys itself, so the folder is traversable and the file readable.
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        int port = TestPaths.FreeTcpPort();
        var types = (hostKeys ?? TestKeys.HostKeyTypes).ToList();

        var auth = new List<string>();
        foreach (var t in TestKeys.UserKeyTypes) auth.Add(File.ReadAllText(Path.Combine(keys, $"id_{t}.pub")).Trim());
        File.WriteAllLines(Path.Combine(dir, "authorized_keys"), auth);
        File.SetUnixFileMode(Path.Combine(dir, "authorized_keys"), (UnixFileMode)0b110_100_100);

        var known = new List<string>();
        foreach (var t in types)
        {
            var pub = File.ReadAllText(Path.Combine(keys, $"host_{t}.pub")).Trim().Split(' ');
            known.Add($"[127.0.0.1]:{port} {pub[0]} {pub[1]}");
        }
        File.WriteAllLines(Path.Combine(dir, "known_hosts"), known);

        var cfg = new List<string>();
        if (extraConfig is not null) cfg.AddRange(extraConfig);
        cfg.Add($"Port {port}");
        cfg.Add("ListenAddress 127.0.0.1");
        foreach (var t in types) cfg.Add($"HostKey {Path.Combine(keys, "host_" + t)}");
        if (sftpSubsystem) cfg.Add("Subsystem sftp internal-sftp");
        cfg.AddRange(
        [
            $"PidFile {Path.Combine(dir, "sshd.pid")}",
            "UsePAM no",
            "StrictModes no",
            $"AuthorizedKeysFile {Path.Combine(dir, "authorized_keys")}",
            "PermitRootLogin yes",
            "PasswordAuthentication yes",
            "X11Forwarding yes",
            "XAuthLocation /usr/bin/xauth",
            "AllowTcpForwarding yes",
            "AllowAgentForwarding yes",
            "AcceptEnv LANG LC_* HOP_*",
            "LogLevel DEBUG1",
            "MaxStartups 100:30:200",
            "MaxSessions 100",
        ]);
        File.WriteAllLines(Path.Combine(dir, "sshd_config"), cfg);

        var psi = new ProcessStartInfo("/usr/sbin/sshd")
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var a in new[] { "-D", "-f", Path.Combine(dir, "sshd_config"), "-E", Path.Combine(dir, "sshd.log") }) psi.ArgumentList.Add(a);
        var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start sshd");
        var server = new SshdServer(p, dir, port, user);
        try
        {
            await TestPaths.WaitForPortAsync(port, TimeSpan.FromSeconds(15), () => p.HasExited ? $"sshd exited {p.ExitCode}: {p.StandardError.ReadToEnd()} {server.Log}" : server.Log);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>Arguments for OpenSSH's ssh to reach this server with test key <paramref name="keyType"/>.</summary>
    public async Task<List<string>> OpenSshArgsAsync(string keyType = "ed25519") =>
    [
        "-F", "/dev/null",
        "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "-i", await TestKeys.UserKeyAsync(keyType),
        "-o", "IdentitiesOnly=yes",
        "-o", "BatchMode=yes",
        "-o", $"UserKnownHostsFile={KnownHostsPath}",
        "-o", "StrictHostKeyChecking=yes",
        "-o", "ConnectTimeout=10",
        "-l", User,
        Host,
    ];

    public ValueTask DisposeAsync() => ServerProcess.StopAsync(_process, Directory);
}
