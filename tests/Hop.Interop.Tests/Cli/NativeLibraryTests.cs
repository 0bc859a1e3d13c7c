using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Cli;

/// <summary>
/// hop ships libsodium beside its binary (X25519, ML-KEM, ChaCha20-Poly1305). A copy of hop
/// without it must say so in one line, not crash with a stack trace.
/// </summary>
public class NativeLibraryTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;

    public async Task InitializeAsync() => _sshd = await SshdServer.StartAsync();
    public async Task DisposeAsync() => await _sshd.DisposeAsync();

    [Fact]
    public async Task HopWithoutLibsodiumSaysSoInOneLine()
    {
        string source = Path.GetDirectoryName(TestPaths.HopBinary)!;
        string copy = TestPaths.NewTempDir("hop-nosodium-");
        try
        {
            CopyWithoutLibsodium(new DirectoryInfo(source), copy);
            string hop = Path.Combine(copy, Path.GetFileName(TestPaths.HopBinary));
            Assert.True(File.Exists(hop), hop);
            var args = await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
            args.Insert(1, "-oKexAlgorithms=curve25519-sha256");
            args.Add("true");
            var r = await ProcessRunner.RunAsync(hop, args, new Dictionary<string, string?> { ["SSH_AUTH_SOCK"] = null }, [], TimeSpan.FromSeconds(60));
            Assert.True(r.ExitCode == 255, r.ToString());
            string[] lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1, r.Stderr);
            Assert.StartsWith("hop: a native library that ships with hop could not be loaded; keep libsodium beside", lines[0], StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);

            // Under -v the stack trace is there for a bug report.
            args.Insert(1, "-v");
            r = await ProcessRunner.RunAsync(hop, args, new Dictionary<string, string?> { ["SSH_AUTH_SOCK"] = null }, [], TimeSpan.FromSeconds(60));
            Assert.True(r.ExitCode == 255, r.ToString());
            Assert.Contains("DllNotFoundException", r.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    private static void CopyWithoutLibsodium(DirectoryInfo from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in from.GetFiles())
        {
            if (f.Name.StartsWith("libsodium", StringComparison.Ordinal) || f.Extension is ".dbg" or ".pdb") continue;
            var target = Path.Combine(to, f.Name);
            f.CopyTo(target);
            File.SetUnixFileMode(target, f.UnixFileMode);
        }
        foreach (var d in from.GetDirectories()) CopyWithoutLibsodium(d, Path.Combine(to, d.Name));
    }
}
