using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Terminal;

/// <summary>
/// A server that refuses PTYs (sshd's PermitTTY no): with -t/-tt the session ends there, as ssh
/// ends it; a login shell that only asked for one because stdin is a terminal runs without it.
/// </summary>
public class RefusedPtyTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;
    private readonly List<string> _dirs = [];

    public async Task InitializeAsync() => _sshd = await SshdServer.StartAsync(["PermitTTY no"]);

    public async Task DisposeAsync()
    {
        await _sshd.DisposeAsync();
        foreach (var d in _dirs) try { Directory.Delete(d, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task AForcedPtyTheServerRefusesEndsTheSessionAsSshDoes()
    {
        var args = await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        args.InsertRange(1, ["-tt"]);
        args.Add("echo ran");
        var hop = await HopCli.RunAsync(args);
        Assert.True(hop.ExitCode == 255, hop.ToString());
        Assert.Contains("PTY allocation request failed on channel 0", hop.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("ran", hop.Stdout, StringComparison.Ordinal);

        var ssh = await _sshd.OpenSshArgsAsync();
        ssh.InsertRange(0, ["-tt"]);
        ssh.Add("echo ran");
        var openssh = await ProcessRunner.RunAsync("/usr/bin/ssh", ssh);
        Assert.True(openssh.ExitCode == 255, openssh.ToString());
        Assert.Contains("PTY allocation request failed on channel 0", openssh.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALoginShellRunsWithoutThePtyItAskedFor()
    {
        var (pane, dir) = await HopInTmux.StartAsync(_sshd, _dirs);
        await using (pane)
        {
            await pane.WaitForAsync("PTY allocation request failed on channel 0");
            // Raw mode sends Enter as CR, and no remote PTY turns it into the NL the shell waits
            // for (with ssh too): a line ends with Ctrl-J here.
            await pane.SendKeysAsync("-l", "echo RE$((1+1))ADY");
            await pane.SendKeysAsync("C-j");
            await pane.WaitForAsync("RE2ADY");
            await pane.SendKeysAsync("-l", "exit");
            await pane.SendKeysAsync("C-j");
            Assert.Equal(0, await HopInTmux.WaitForExitAsync(pane, dir));
            HopInTmux.AssertRestored(dir);
        }
    }
}
