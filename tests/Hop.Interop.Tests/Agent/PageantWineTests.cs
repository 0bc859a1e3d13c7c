using System.Diagnostics;
using System.Text;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Agent;

/// <summary>
/// The Pageant role of the Windows build, run under Wine (its user32 windows, WM_COPYDATA between
/// processes, named sections and named pipes are Wine's): `hop.exe agent` opens the Pageant window
/// beside Windows OpenSSH's pipe, `hop.exe add -l` and `hop.exe ssh` reach it with
/// SSH_AUTH_SOCK=pageant, and the key added through the pipe logs in to OpenSSH's sshd through
/// Pageant. PuTTY's own Windows programs are not on this machine; its clients use the same window,
/// class and title, message id and section layout (see PageantCopyData).
/// </summary>
[Collection(WineCollection.Name)]
public sealed class PageantWineTests : IAsyncLifetime
{
    private const string Pageant = "pageant";
    private SshdServer _sshd = null!;
    private WineSession _wine = null!;
    private string _dir = null!;

    public async Task InitializeAsync()
    {
        _sshd = await SshdServer.StartAsync();
        _wine = await WineSession.StartAsync();
        _dir = TestPaths.NewTempDir("hop-wine-");
    }

    public async Task DisposeAsync()
    {
        await _wine.DisposeAsync();
        await _sshd.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task HopAgentServesAsPageantToWindowsClientsAndItsKeyLogsIn()
    {
        string key = Path.Combine(_dir, "id_pageant");
        await ProcessRunner.RunCheckedAsync("/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "through-pageant", "-f", key);
        string fingerprint = (await ProcessRunner.RunCheckedAsync("/usr/bin/ssh-keygen", "-l", "-f", key + ".pub")).Stdout.Split(' ')[1];
        await File.AppendAllTextAsync(_sshd.AuthorizedKeysPath, await File.ReadAllTextAsync(key + ".pub"));

        var psi = new ProcessStartInfo("/usr/bin/wine") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true };
        psi.ArgumentList.Add(await WindowsHop.PathAsync());
        psi.ArgumentList.Add("agent");
        psi.ArgumentList.Add("-d");
        foreach (var (k, v) in _wine.Environment())
        {
            if (v is null) psi.Environment.Remove(k);
            else psi.Environment[k] = v;
        }
        using var agent = Process.Start(psi)!;
        var log = new StringBuilder();
        var serving = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        agent.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (log) log.AppendLine(e.Data);
            if (e.Data.Contains("serving Pageant's clients", StringComparison.Ordinal)) serving.TrySetResult();
        };
        agent.OutputDataReceived += (_, _) => { };
        agent.BeginErrorReadLine();
        agent.BeginOutputReadLine();
        try
        {
            var started = await Task.WhenAny(serving.Task, Task.Run(() => agent.WaitForExit(WineSession.Timeout)));
            lock (log) Assert.True(started == serving.Task, "hop.exe agent did not open its Pageant window: " + log);

            // Added through the agent's other door, Windows OpenSSH's named pipe: one agent, one set of keys.
            var add = await _wine.HopAsync(["add", WineSession.WindowsPath(key)]);
            Assert.True(add.ExitCode == 0, add.ToString());
            Assert.Contains("Identity added", add.Stderr, StringComparison.Ordinal);
            var list = await _wine.HopAsync(["add", "-l"], Pageant);
            Assert.True(list.ExitCode == 0, list.ToString());
            Assert.Contains(fingerprint + " through-pageant (ED25519)", list.Stdout, StringComparison.Ordinal);

            string[] login = ["ssh", "-F", "NUL", "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={WineSession.WindowsPath(_sshd.KnownHostsPath)}",
                "-p", _sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{_sshd.User}@127.0.0.1", "echo logged-in"];
            var ssh = await _wine.HopAsync(login, Pageant);
            Assert.True(ssh.ExitCode == 0, ssh + "\nagent log:\n" + log);
            Assert.Equal("logged-in", ssh.Stdout.Trim());
            Assert.Contains($"Accepted publickey for {_sshd.User} from 127.0.0.1", _sshd.Log, StringComparison.Ordinal);
            Assert.Contains(fingerprint, _sshd.Log, StringComparison.Ordinal);
            lock (log) Assert.Contains("SignRequest", log.ToString(), StringComparison.Ordinal);
            // Without SSH_AUTH_SOCK, as Windows OpenSSH's ssh: the pipe, found by default.
            var piped = await _wine.HopAsync(login);
            Assert.True(piped.ExitCode == 0, piped.ToString());
            Assert.Equal("logged-in", piped.Stdout.Trim());
        }
        finally
        {
            if (!agent.HasExited) agent.Kill(entireProcessTree: true);
            agent.WaitForExit(10_000);
        }
        var gone = await _wine.HopAsync(["add", "-l"], Pageant);
        Assert.Equal((2, "Error connecting to agent: Pageant is not running"), (gone.ExitCode, gone.Stderr.Trim()));
        var none = await _wine.HopAsync(["add", "-l"]);
        Assert.Equal((2, "Could not open a connection to your authentication agent."), (none.ExitCode, none.Stderr.Trim()));
    }
}
