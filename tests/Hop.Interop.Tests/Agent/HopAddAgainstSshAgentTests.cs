using static Hop.Interop.Tests.Agent.AgentTools;

namespace Hop.Interop.Tests.Agent;

/// <summary>`hop add` driving OpenSSH's ssh-agent, checked with OpenSSH's ssh-add.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class HopAddAgainstSshAgentTests
{
    private const string SshAdd = "/usr/bin/ssh-add";

    private static Task<Result> Hop(IEnumerable<string> args, IDictionary<string, string?>? env = null, string? stdin = null) =>
        RunAsync(HopPath, ["add", .. args], env, stdin);

    [Fact]
    public async Task AddListDeleteMatchSshAdd()
    {
        using var dir = new TempDir();
        string ed = await KeygenAsync(dir.Path, "ed", "ed25519");
        string rsa = await KeygenAsync(dir.Path, "rsa", "rsa");
        string ec = await KeygenAsync(dir.Path, "ec", "ecdsa");
        await using var agent = await AgentProcess.StartAsync(hop: false, dir["sock"]);
        var env = agent.Env;

        var add = await Hop([ed, rsa, ec], env);
        Assert.True(add.ExitCode == 0, add.All);
        Assert.Contains($"Identity added: {ed} (ed@test)", add.Stderr, StringComparison.Ordinal);

        var theirs = await RunAsync(SshAdd, ["-l"], env);
        var ours = await Hop(["-l"], env);
        Assert.Equal(0, ours.ExitCode);
        Assert.Equal(theirs.Stdout, ours.Stdout);
        Assert.Equal(3, ours.Stdout.TrimEnd().Split('\n').Length);
        Assert.Equal((await RunAsync(SshAdd, ["-L"], env)).Stdout, (await Hop(["-L"], env)).Stdout);
        Assert.Equal((await RunAsync(SshAdd, ["-l", "-E", "md5"], env)).Stdout, (await Hop(["-l", "-E", "md5"], env)).Stdout);

        var test = await Hop(["-T", ed + ".pub", rsa + ".pub", ec + ".pub"], env);
        Assert.True(test.ExitCode == 0, test.All);

        var del = await Hop(["-d", rsa], env);
        Assert.True(del.ExitCode == 0, del.All);
        Assert.Contains($"Identity removed: {rsa} RSA (rsa@test)", del.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("rsa@test", (await RunAsync(SshAdd, ["-l"], env)).Stdout, StringComparison.Ordinal);
        var delAgain = await Hop(["-d", rsa], env);
        Assert.Equal(1, delAgain.ExitCode);
        Assert.Contains($"Could not remove identity \"{rsa}\": agent refused operation", delAgain.Stderr, StringComparison.Ordinal);
        var testGone = await Hop(["-T", rsa + ".pub"], env);
        Assert.Equal(1, testGone.ExitCode);
        Assert.Contains("Agent signature failed", testGone.Stderr, StringComparison.Ordinal);

        var all = await Hop(["-D"], env);
        Assert.True(all.ExitCode == 0, all.All);
        Assert.Contains("All identities removed.", all.Stderr, StringComparison.Ordinal);
        var empty = await Hop(["-l"], env);
        Assert.Equal(1, empty.ExitCode);
        Assert.Equal("The agent has no identities.\n", empty.Stdout);
    }

    /// <summary>
    /// A stdin with no line end in sight (/dev/zero) is the end of input, after 64 KiB: hop add gives
    /// up on the key (exit 1) instead of growing a line, or asking "Bad passphrase, try again", for ever.
    /// </summary>
    [Fact]
    public async Task AnEndlessStdinIsNoPassphrase()
    {
        using var dir = new TempDir();
        string key = dir["enc"];
        var gen = await RunAsync("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "hunter2", "-C", "enc", "-f", key]);
        Assert.True(gen.ExitCode == 0, gen.All);
        await using var agent = await AgentProcess.StartAsync(hop: false, dir["sock"]);

        var add = await RunAsync("/bin/sh", ["-c", "exec \"$0\" add \"$1\" < /dev/zero", HopPath, key], agent.Env, timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(1, add.ExitCode);
        Assert.DoesNotContain("internal error", add.All, StringComparison.Ordinal);
        Assert.Equal("The agent has no identities.\n", (await RunAsync(SshAdd, ["-l"], agent.Env)).Stdout);
    }

    [Fact]
    public async Task PassphraseIsAskedOnceAndReused()
    {
        using var dir = new TempDir();
        string a = await KeygenAsync(dir.Path, "a", "ed25519", passphrase: "shared secret");
        string b = await KeygenAsync(dir.Path, "b", "ecdsa", passphrase: "shared secret");
        File.WriteAllText(dir["answer"], "shared secret");
        string askpass = WriteAskpass(dir.Path, "askpass", dir["answer"]);
        await using var agent = await AgentProcess.StartAsync(hop: false, dir["sock"]);
        var env = new Dictionary<string, string?>(agent.Env) { ["SSH_ASKPASS"] = askpass, ["SSH_ASKPASS_REQUIRE"] = "force" };

        var add = await Hop([a, b], env);
        Assert.True(add.ExitCode == 0, add.All);
        var prompts = File.ReadAllLines(askpass + ".log");
        Assert.Equal($"prompt=Enter passphrase for {a}:  kind=", Assert.Single(prompts));
        Assert.Equal(2, (await RunAsync(SshAdd, ["-l"], env)).Stdout.TrimEnd().Split('\n').Length);
    }

    [Fact]
    public async Task WrongPassphraseIsAskedAgainThenGivenUp()
    {
        using var dir = new TempDir();
        string a = await KeygenAsync(dir.Path, "a", "ed25519", passphrase: "right");
        File.WriteAllText(dir["answer"], "wrong");
        string askpass = WriteAskpass(dir.Path, "askpass", dir["answer"]);
        await using var agent = await AgentProcess.StartAsync(hop: false, dir["sock"]);
        // The askpass answers "wrong" twice, then fails (exit 1): ssh-add gives up on the key with status 1.
        File.WriteAllText(askpass,
            "#!/bin/sh\n" +
            $"echo \"prompt=$1\" >> '{askpass}.log'\n" +
            $"if [ $(wc -l < '{askpass}.log') -gt 2 ]; then exit 1; fi\n" +
            "echo wrong\n");
        var env = new Dictionary<string, string?>(agent.Env) { ["SSH_ASKPASS"] = askpass, ["SSH_ASKPASS_REQUIRE"] = "force" };
        var add = await Hop(["-c", a], env);
        Assert.Equal(1, add.ExitCode);
        var prompts = File.ReadAllLines(askpass + ".log");
        Assert.Equal($"prompt=Enter passphrase for {a} (will confirm each use): ", prompts[0]);
        Assert.Equal($"prompt=Bad passphrase, try again for {a} (will confirm each use): ", prompts[1]);
        Assert.Equal(1, (await RunAsync(SshAdd, ["-l"], agent.Env)).ExitCode);
    }

    [Fact]
    public async Task LifetimeAndConfirmReachTheAgent()
    {
        using var dir = new TempDir();
        string ed = await KeygenAsync(dir.Path, "ed", "ed25519");
        string ec = await KeygenAsync(dir.Path, "ec", "ecdsa");
        await using var agent = await AgentProcess.StartAsync(hop: false, dir["sock"]);
        var add = await Hop(["-t", "1", ed], agent.Env);
        Assert.True(add.ExitCode == 0, add.All);
        Assert.Contains("Lifetime set to 1 seconds", add.Stderr, StringComparison.Ordinal);
        Assert.True(await EventuallyAsync(async () => (await RunAsync(SshAdd, ["-l"], agent.Env)).ExitCode == 1, TimeSpan.FromSeconds(20)));

        // ssh-agent asks to confirm each use; with no askpass it refuses, which ssh-add -T reports.
        var c = await Hop(["-c", ec], agent.Env);
        Assert.True(c.ExitCode == 0, c.All);
        Assert.Contains("The user must confirm each use of the key", c.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync(SshAdd, ["-l"], agent.Env)).ExitCode);
        Assert.Equal(1, (await RunAsync(SshAdd, ["-T", ec + ".pub"], agent.Env)).ExitCode);
    }

    [Fact]
    public async Task LockAndUnlockSshAgent()
    {
        using var dir = new TempDir();
        string ed = await KeygenAsync(dir.Path, "ed", "ed25519");
        await using var agent = await AgentProcess.StartAsync(hop: false, dir["sock"]);
        Assert.Equal(0, (await Hop(["-q", ed], agent.Env)).ExitCode);
        // No terminal here: the passphrase lines come from stdin, as with ssh-add.
        var mismatch = await Hop(["-x"], agent.Env, "one\ntwo\n");
        Assert.Equal(1, mismatch.ExitCode);
        Assert.Contains("Passwords do not match.", mismatch.Stderr, StringComparison.Ordinal);
        var lk = await Hop(["-x"], agent.Env, "pw\npw\n");
        Assert.True(lk.ExitCode == 0, lk.All);
        Assert.Contains("Agent locked.", lk.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, (await RunAsync(SshAdd, ["-l"], agent.Env)).ExitCode);
        var bad = await Hop(["-X"], agent.Env, "nope\n");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("Failed to unlock agent: agent refused operation", bad.Stderr, StringComparison.Ordinal);
        var ok = await Hop(["-X"], agent.Env, "pw\n");
        Assert.True(ok.ExitCode == 0, ok.All);
        Assert.Contains("Agent unlocked.", ok.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync(SshAdd, ["-l"], agent.Env)).ExitCode);
    }

    [Fact]
    public async Task NoArgumentsAddsTheDefaultKeys()
    {
        using var dir = new TempDir();
        string ssh = Directory.CreateDirectory(dir["home/.ssh"]).FullName;
        await KeygenAsync(ssh, "id_ed25519", "ed25519", comment: "default-ed");
        await KeygenAsync(ssh, "id_ecdsa", "ecdsa", comment: "default-ec");
        await using var agent = await AgentProcess.StartAsync(hop: false, dir["sock"]);
        var env = new Dictionary<string, string?>(agent.Env) { ["HOME"] = dir["home"] };
        var add = await Hop([], env);
        Assert.True(add.ExitCode == 0, add.All);
        var l = (await RunAsync(SshAdd, ["-l"], env)).Stdout;
        Assert.Contains("default-ed", l, StringComparison.Ordinal);
        Assert.Contains("default-ec", l, StringComparison.Ordinal);

        var none = await Hop([], new Dictionary<string, string?>(agent.Env) { ["HOME"] = dir.Path });
        Assert.Equal(1, none.ExitCode);
    }

    [Fact]
    public async Task ErrorsAndExitCodesMatchSshAdd()
    {
        using var dir = new TempDir();
        string ed = await KeygenAsync(dir.Path, "ed", "ed25519");
        var noSock = new Dictionary<string, string?> { ["SSH_AUTH_SOCK"] = null };
        foreach (var tool in new[] { SshAdd, HopPath })
        {
            string[] pre = tool == HopPath ? ["add"] : [];
            var unset = await RunAsync(tool, [.. pre, "-l"], noSock);
            Assert.Equal(2, unset.ExitCode);
            Assert.Equal("Could not open a connection to your authentication agent.\n", unset.Stderr);
            var missing = await RunAsync(tool, [.. pre, "-l"], new Dictionary<string, string?> { ["SSH_AUTH_SOCK"] = dir["nothing"] });
            Assert.Equal(2, missing.ExitCode);
            Assert.Equal("Error connecting to agent: No such file or directory\n", missing.Stderr);
        }
        await using var agent = await AgentProcess.StartAsync(hop: false, dir["sock"]);
        var nofile = await Hop([dir["nope"]], agent.Env);
        Assert.Equal(1, nofile.ExitCode);
        Assert.Equal($"{dir["nope"]}: No such file or directory\n", nofile.Stderr);
        File.SetUnixFileMode(ed, (UnixFileMode)0x1a4); // 0644
        var open = await Hop([ed], agent.Env);
        Assert.Equal(1, open.ExitCode);
        Assert.Contains("UNPROTECTED PRIVATE KEY FILE", open.Stderr, StringComparison.Ordinal);
        var badDel = await Hop(["-d", dir["nope"]], agent.Env);
        Assert.Equal(1, badDel.ExitCode);
        Assert.StartsWith($"Bad key file {dir["nope"]}", badDel.Stdout, StringComparison.Ordinal);
    }
}
