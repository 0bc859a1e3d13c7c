using System.Globalization;
using System.Text.RegularExpressions;
using Hop.Ssh.Keys;
using Hop.Ssh.Keys.Formats;
using static Hop.Interop.Tests.Agent.AgentTools;

namespace Hop.Interop.Tests.Agent;

/// <summary>`hop agent` started as ssh-agent is: in the background, with -k, with a command; and its -d log.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public partial class HopAgentProcessTests
{
    private const string SshAdd = "/usr/bin/ssh-add";

    [GeneratedRegex(@"^SSH_AUTH_SOCK=(/\S+/agent\.\d+); export SSH_AUTH_SOCK;\nSSH_AGENT_PID=(\d+); export SSH_AGENT_PID;\necho Agent pid (\d+);\n$")]
    private static partial Regex ShLines();

    [GeneratedRegex(@"^setenv SSH_AUTH_SOCK (/\S+/agent\.\d+);\nsetenv SSH_AGENT_PID (\d+);\necho Agent pid (\d+);\n$")]
    private static partial Regex CshLines();

    private static bool Alive(int pid) => Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    [Fact]
    public async Task BackgroundAgentPrintsShellLinesAndDiesWithMinusK()
    {
        // OpenSSH's own output has the same shape.
        var theirs = await RunAsync("/usr/bin/ssh-agent", ["-s"]);
        var tm = ShLines().Match(theirs.Stdout);
        Assert.True(tm.Success, theirs.Stdout);
        await KillAsync(int.Parse(tm.Groups[2].Value, CultureInfo.InvariantCulture));

        var r = await RunAsync(HopPath, ["agent", "-s"]);
        Assert.True(r.ExitCode == 0, r.All);
        var m = ShLines().Match(r.Stdout);
        Assert.True(m.Success, r.Stdout);
        string sock = m.Groups[1].Value;
        int pid = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        string dir = Path.GetDirectoryName(sock)!;
        try
        {
            Assert.Equal(m.Groups[2].Value, m.Groups[3].Value);
            Assert.Equal((UnixFileMode)0x1c0, File.GetUnixFileMode(dir)); // 0700
            Assert.Equal((UnixFileMode)0x180, File.GetUnixFileMode(sock) & (UnixFileMode)0x1ff); // 0600
            var l = await RunAsync(SshAdd, ["-l"], new Dictionary<string, string?> { ["SSH_AUTH_SOCK"] = sock });
            Assert.Equal(1, l.ExitCode);
            Assert.Contains("The agent has no identities.", l.Stdout, StringComparison.Ordinal);

            var k = await RunAsync(HopPath, ["agent", "-k"], new Dictionary<string, string?> { ["SSH_AGENT_PID"] = m.Groups[2].Value, ["SHELL"] = "/bin/bash" });
            Assert.True(k.ExitCode == 0, k.All);
            Assert.Equal($"unset SSH_AUTH_SOCK;\nunset SSH_AGENT_PID;\necho Agent pid {pid} killed;\n", k.Stdout);
            Assert.True(await EventuallyAsync(() => Task.FromResult(!Directory.Exists(dir) && !Alive(pid)), TimeSpan.FromSeconds(15)), "socket directory or agent left behind");
        }
        finally
        {
            if (Alive(pid)) await KillAsync(pid, "KILL");
        }
    }

    [Fact]
    public async Task CshSyntaxAndSigtermCleanUp()
    {
        var r = await RunAsync(HopPath, ["agent"], new Dictionary<string, string?> { ["SHELL"] = "/bin/tcsh" });
        Assert.True(r.ExitCode == 0, r.All);
        var m = CshLines().Match(r.Stdout);
        Assert.True(m.Success, r.Stdout);
        int pid = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        string dir = Path.GetDirectoryName(m.Groups[1].Value)!;
        try
        {
            Assert.True(Directory.Exists(dir));
            await KillAsync(pid, "TERM");
            Assert.True(await EventuallyAsync(() => Task.FromResult(!Directory.Exists(dir) && !Alive(pid)), TimeSpan.FromSeconds(15)), "SIGTERM left the socket directory");
        }
        finally
        {
            if (Alive(pid)) await KillAsync(pid, "KILL");
        }
    }

    [Fact]
    public async Task KillWithoutAPidFailsAsSshAgent()
    {
        var env = new Dictionary<string, string?> { ["SSH_AGENT_PID"] = null };
        var theirs = await RunAsync("/usr/bin/ssh-agent", ["-k"], env);
        var ours = await RunAsync(HopPath, ["agent", "-k"], env);
        Assert.Equal(theirs.ExitCode, ours.ExitCode);
        Assert.Equal(theirs.Stderr, ours.Stderr);
    }

    [Fact]
    public async Task CommandRunsWithTheVariablesAndTheAgentEndsWithIt()
    {
        var r = await RunAsync(HopPath, ["agent", "/bin/sh", "-c", "ssh-add -l; echo \"sock=$SSH_AUTH_SOCK pid=$SSH_AGENT_PID\"; exit 3"]);
        Assert.True(r.ExitCode == 3, r.All);
        Assert.Contains("The agent has no identities.", r.Stdout, StringComparison.Ordinal);
        var m = Regex.Match(r.Stdout, @"sock=(\S+) pid=(\d+)");
        Assert.True(m.Success, r.Stdout);
        string dir = Path.GetDirectoryName(m.Groups[1].Value)!;
        int pid = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        try
        {
            Assert.True(await EventuallyAsync(() => Task.FromResult(!Directory.Exists(dir) && !Alive(pid)), TimeSpan.FromSeconds(15)), "the agent outlived its command");
        }
        finally
        {
            if (Alive(pid)) await KillAsync(pid, "KILL");
        }
    }

    [Fact]
    public async Task DebugLogNeverShowsKeysOrPassphrases()
    {
        using var dir = new TempDir();
        string ed = await KeygenAsync(dir.Path, "ed", "ed25519");
        string rsa = await KeygenAsync(dir.Path, "rsa", "rsa");
        string ec = await KeygenAsync(dir.Path, "ec", "ecdsa");
        const string lockPassword = "l0ck-pa55word-xyzzy";
        File.WriteAllText(dir["answer"], lockPassword);
        string askpass = WriteAskpass(dir.Path, "askpass", dir["answer"]);
        await using var agent = await AgentProcess.StartAsync(hop: true, dir["sock"], debug: true);
        var env = new Dictionary<string, string?>(agent.Env) { ["SSH_ASKPASS"] = askpass, ["SSH_ASKPASS_REQUIRE"] = "force" };
        Assert.Equal(0, (await RunAsync(SshAdd, ["-t", "300", ed, rsa, ec], env)).ExitCode);
        Assert.Equal(0, (await RunAsync(SshAdd, ["-T", ed + ".pub", rsa + ".pub", ec + ".pub"], env)).ExitCode);
        Assert.Equal(0, (await RunAsync(SshAdd, ["-L"], env)).ExitCode);
        Assert.Equal(0, (await RunAsync(SshAdd, ["-x"], env)).ExitCode);
        Assert.Equal(0, (await RunAsync(SshAdd, ["-X"], env)).ExitCode);
        Assert.Equal(0, (await RunAsync(SshAdd, ["-d", ed], env)).ExitCode);
        Assert.Equal(0, (await RunAsync(SshAdd, ["-D"], env)).ExitCode);
        await agent.StopAsync();
        string log = agent.Log;
        Assert.Contains("debug1", log, StringComparison.Ordinal);
        Assert.Contains("sign", log, StringComparison.Ordinal);

        var secrets = new List<byte[]>();
        using (var k = (Ed25519PrivateKey)PrivateKeyFile.Load(ed).Decrypt()) secrets.Add(k.Seed.ToArray());
        using (var k = (RsaPrivateKey)PrivateKeyFile.Load(rsa).Decrypt())
        {
            var p = k.Rsa.ExportParameters(true);
            secrets.AddRange([p.D!, p.P!, p.Q!]);
        }
        using (var k = (EcdsaPrivateKey)PrivateKeyFile.Load(ec).Decrypt()) secrets.Add(k.ExportPrivateScalar());
        foreach (var s in secrets)
        {
            Assert.DoesNotContain(Convert.ToHexString(s), log, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Convert.ToBase64String(s).TrimEnd('='), log, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToHexString(s.AsSpan(0, 8)), log, StringComparison.OrdinalIgnoreCase);
        }
        Assert.DoesNotContain(lockPassword, log, StringComparison.Ordinal);
        foreach (var line in File.ReadAllLines(ed).Concat(File.ReadAllLines(rsa)).Where(l => !l.StartsWith("-----", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain(line, log, StringComparison.Ordinal);
        }
    }
}
