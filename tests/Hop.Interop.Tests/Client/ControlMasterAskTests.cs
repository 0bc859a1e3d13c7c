using System.Diagnostics;
using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Client;

/// <summary>
/// ControlMaster ask: OpenSSH's master and hop's, each asked through the same askpass script, get the
/// same requests from OpenSSH's ssh -S clients (a session allowed, then a session, a -W forward, a -L
/// forward, -O stop and -O exit refused, then -O exit allowed): the same questions, in the same words,
/// and the same outcomes. -O check asks nothing.
/// </summary>
public sealed class ControlMasterAskTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;
    private string _dir = null!;

    public async Task InitializeAsync()
    {
        _sshd = await SshdServer.StartAsync();
        _dir = TestPaths.NewTempDir("hop-muxask-");
        string script = Path.Combine(_dir, "askpass");
        await File.WriteAllTextAsync(script,
            "#!/bin/sh\n" +
            $"echo \"[$1] $SSH_ASKPASS_PROMPT\" >> '{_dir}/asked'\n" +
            $"exit $(cat '{_dir}/answer')\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_000_000);
    }

    public async Task DisposeAsync()
    {
        await _sshd.DisposeAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private Task<ProcessResult> ClientAsync(string socket, params string[] options) =>
        ProcessRunner.RunAsync("/usr/bin/ssh", ["-F", "/dev/null", "-S", socket, .. options, "mux-host"], HopCli.IsolatedEnvironment(), [], TimeSpan.FromSeconds(30));

    private Task<ProcessResult> SessionAsync(string socket) =>
        ProcessRunner.RunAsync("/usr/bin/ssh", ["-F", "/dev/null", "-S", socket, "mux-host", "echo in"], HopCli.IsolatedEnvironment(), [], TimeSpan.FromSeconds(30));

    /// <summary>Runs the requests against the master on <paramref name="socket"/>; the exit codes, then what askpass was asked.</summary>
    private async Task<(string Codes, string Asked)> AskAllAsync(string socket)
    {
        string asked = Path.Combine(_dir, "asked");
        File.Delete(asked);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await ClientAsync(socket, "-O", "check")).ExitCode != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the master did not answer -O check");
            await Task.Delay(50);
        }
        var codes = new List<int>();
        File.WriteAllText(Path.Combine(_dir, "answer"), "0");
        var first = await SessionAsync(socket);
        Assert.True(first.ExitCode != 0 || first.Stdout == "in\n", first.ToString());
        codes.Add(first.ExitCode);
        File.WriteAllText(Path.Combine(_dir, "answer"), "1");
        codes.Add((await SessionAsync(socket)).ExitCode);
        codes.Add((await ClientAsync(socket, "-W", $"127.0.0.1:{_sshd.Port}")).ExitCode);
        codes.Add((await ClientAsync(socket, "-L", "127.0.0.1:1:127.0.0.1:2", "-O", "forward")).ExitCode);
        codes.Add((await ClientAsync(socket, "-O", "stop")).ExitCode);
        codes.Add((await ClientAsync(socket, "-O", "exit")).ExitCode);
        File.WriteAllText(Path.Combine(_dir, "answer"), "0");
        codes.Add((await ClientAsync(socket, "-O", "exit")).ExitCode);
        return (string.Join(' ', codes), File.Exists(asked) ? File.ReadAllText(asked) : "");
    }

    private static ProcessStartInfo MasterStart(string program, IEnumerable<string> args, string askpass)
    {
        var psi = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, _) in HopCli.IsolatedEnvironment()) psi.Environment.Remove(k);
        psi.Environment["SSH_ASKPASS"] = askpass;
        psi.Environment["SSH_ASKPASS_REQUIRE"] = "force";
        return psi;
    }

    [Fact]
    public async Task HopsMasterAsksWhatSshsMasterAsks()
    {
        string askpass = Path.Combine(_dir, "askpass");
        var ours = await HopCli.SshArgsAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        string hopSocket = Path.Combine(_dir, "hop.sock");
        ours.InsertRange(1, ["-o", "ControlMaster=ask", "-S", hopSocket, "-N"]);
        using var hop = Process.Start(MasterStart(TestPaths.HopBinary, ours, askpass))!;
        (string Codes, string Asked) fromHop;
        try
        {
            fromHop = await AskAllAsync(hopSocket);
            Assert.True(hop.WaitForExit(TimeSpan.FromSeconds(10)), "hop's master outlived an allowed -O exit");
        }
        finally
        {
            if (!hop.HasExited) hop.Kill(entireProcessTree: true);
        }

        var theirs = await _sshd.OpenSshArgsAsync();
        string sshSocket = Path.Combine(_dir, "ssh.sock");
        theirs.InsertRange(0, ["-o", "ControlMaster=ask", "-S", sshSocket, "-N"]);
        using var ssh = Process.Start(MasterStart("/usr/bin/ssh", theirs, askpass))!;
        (string Codes, string Asked) fromSsh;
        try
        {
            fromSsh = await AskAllAsync(sshSocket);
            Assert.True(ssh.WaitForExit(TimeSpan.FromSeconds(10)), "ssh's master outlived an allowed -O exit");
        }
        finally
        {
            if (!ssh.HasExited) ssh.Kill(entireProcessTree: true);
        }

        Assert.Equal("0 255 255 255 255 255 0", fromSsh.Codes);
        Assert.Equal(fromSsh.Codes, fromHop.Codes);
        Assert.Contains("[Allow shared connection to 127.0.0.1? ] confirm", fromSsh.Asked, StringComparison.Ordinal);
        Assert.Equal(fromSsh.Asked, fromHop.Asked);
    }
}
