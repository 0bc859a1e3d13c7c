using System.Globalization;
using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Sftp;

/// <summary>Runs `hop sftp`/`hop scp` and OpenSSH's sftp/scp with the same options against one sshd.</summary>
internal static class SftpHarness
{
    private static readonly Dictionary<string, string?> Env = HopCli.IsolatedEnvironment();

    /// <summary>Options both tools accept (-P port, -i key, strict known_hosts, no agent, quiet).</summary>
    public static async Task<List<string>> OptionsAsync(SshdServer sshd) =>
    [
        "-F", "/dev/null", "-P", sshd.Port.ToString(CultureInfo.InvariantCulture), "-i", await TestKeys.UserKeyAsync(),
        "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={sshd.KnownHostsPath}",
        "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR",
    ];

    public static string Destination(SshdServer sshd) => $"{sshd.User}@127.0.0.1";

    public static Task<ProcessResult> HopAsync(string command, IEnumerable<string> args, string workingDirectory, byte[]? stdin = null) =>
        ProcessRunner.RunAsync(TestPaths.HopBinary, [command, .. args], Env, stdin ?? [], TimeSpan.FromSeconds(120), workingDirectory);

    public static Task<ProcessResult> OpenSshAsync(string tool, IEnumerable<string> args, string workingDirectory) =>
        ProcessRunner.RunAsync("/usr/bin/" + tool, args, Env, [], TimeSpan.FromSeconds(120), workingDirectory);

    /// <summary>A directory on the server's side (same machine) that the login user may write: mode 0777.</summary>
    public static string RemoteDirectory()
    {
        var d = Directory.CreateTempSubdirectory("hop-sftp-remote-").FullName;
        File.SetUnixFileMode(d, (UnixFileMode)0b111_111_111);
        return d;
    }

    public static void DeleteQuietly(params string[] dirs)
    {
        foreach (var d in dirs)
        {
            try
            {
                Directory.Delete(d, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Temp space; best effort.
            }
        }
    }
}
