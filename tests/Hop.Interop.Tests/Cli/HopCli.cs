using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Cli;

/// <summary>Runs the built `hop` as a user would.</summary>
internal static class HopCli
{
    public static Task<ProcessResult> RunAsync(IEnumerable<string> args, IDictionary<string, string?>? env = null, byte[]? stdin = null, TimeSpan? timeout = null)
    {
        var e = IsolatedEnvironment();
        if (env is not null) foreach (var kv in env) e[kv.Key] = kv.Value;
        return ProcessRunner.RunAsync(TestPaths.HopBinary, args, e, stdin ?? [], timeout ?? TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// The environment changes hop (or the tool beside it) runs with: no agent, no X display, no
    /// askpass program from the machine running the tests. For runs that wrap hop (strace, a shell pipeline).
    /// </summary>
    public static Dictionary<string, string?> IsolatedEnvironment() =>
        new() { ["SSH_AUTH_SOCK"] = null, ["DISPLAY"] = null, ["SSH_ASKPASS"] = null };

    /// <summary>`hop ssh` arguments that reach <paramref name="port"/> as <paramref name="user"/> with a test key, strictly checking the host key.</summary>
    public static async Task<List<string>> SshArgsAsync(int port, string user, string knownHosts, string keyType = "ed25519") =>
    [
        "ssh", "-F", "/dev/null", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "-i", await TestKeys.UserKeyAsync(keyType), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
        "-o", $"UserKnownHostsFile={knownHosts}", "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=10",
        "-l", user, "127.0.0.1",
    ];
}
