using System.Buffers.Binary;
using System.Net.Sockets;
using static Hop.Interop.Tests.Agent.AgentTools;

namespace Hop.Interop.Tests.Agent;

/// <summary>OpenSSH's ssh-add driving `hop agent`.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class SshAddAgainstHopAgentTests
{
    private const string SshAdd = "/usr/bin/ssh-add";

    [Fact]
    public async Task AddListTestDeleteWithSshAdd()
    {
        using var dir = new TempDir();
        string ed = await KeygenAsync(dir.Path, "ed", "ed25519");
        string rsa = await KeygenAsync(dir.Path, "rsa", "rsa");
        string ec = await KeygenAsync(dir.Path, "ec", "ecdsa", passphrase: "pass phrase");
        File.WriteAllText(dir["answer"], "pass phrase");
        string askpass = WriteAskpass(dir.Path, "askpass", dir["answer"]);
        await using var agent = await AgentProcess.StartAsync(hop: true, dir["sock"]);
        var env = agent.Env;

        var add = await RunAsync(SshAdd, [ed, rsa], env);
        Assert.True(add.ExitCode == 0, add.All);
        Assert.Contains($"Identity added: {ed} (ed@test)", add.Stderr, StringComparison.Ordinal);
        var addEc = await RunAsync(SshAdd, ["-t", "600", ec], new Dictionary<string, string?>(env) { ["SSH_ASKPASS"] = askpass, ["SSH_ASKPASS_REQUIRE"] = "force" });
        Assert.True(addEc.ExitCode == 0, addEc.All);
        Assert.Contains("Lifetime set to 600 seconds", addEc.Stderr, StringComparison.Ordinal);

        var list = await RunAsync(SshAdd, ["-l"], env);
        Assert.Equal(0, list.ExitCode);
        var lines = list.Stdout.TrimEnd().Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Matches(@"^256 SHA256:\S+ ed@test \(ED25519\)$", lines[0]);
        Assert.Matches(@"^3072 SHA256:\S+ rsa@test \(RSA\)$", lines[1]);
        Assert.Matches(@"^256 SHA256:\S+ ec@test \(ECDSA\)$", lines[2]);
        var fp = await RunAsync("/usr/bin/ssh-keygen", ["-l", "-f", ed + ".pub"]);
        Assert.StartsWith(fp.Stdout.Split(' ')[1], lines[0].Split(' ')[1], StringComparison.Ordinal);

        var pubs = await RunAsync(SshAdd, ["-L"], env);
        Assert.Equal(0, pubs.ExitCode);
        Assert.Equal(
            new[] { ed, rsa, ec }.Select(k => File.ReadAllText(k + ".pub").Trim()),
            pubs.Stdout.TrimEnd().Split('\n'));

        var test = await RunAsync(SshAdd, ["-T", ed + ".pub", rsa + ".pub", ec + ".pub"], env);
        Assert.True(test.ExitCode == 0, test.All);

        var del = await RunAsync(SshAdd, ["-d", ed], env);
        Assert.True(del.ExitCode == 0, del.All);
        Assert.Contains($"Identity removed: {ed}", del.Stderr, StringComparison.Ordinal);
        var delAgain = await RunAsync(SshAdd, ["-d", ed], env);
        Assert.Equal(1, delAgain.ExitCode);
        Assert.Contains("agent refused operation", delAgain.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, (await RunAsync(SshAdd, ["-T", ed + ".pub"], env)).ExitCode);
        Assert.Equal(2, (await RunAsync(SshAdd, ["-l"], env)).Stdout.TrimEnd().Split('\n').Length);

        var all = await RunAsync(SshAdd, ["-D"], env);
        Assert.True(all.ExitCode == 0, all.All);
        Assert.Contains("All identities removed.", all.Stderr, StringComparison.Ordinal);
        var empty = await RunAsync(SshAdd, ["-l"], env);
        Assert.Equal(1, empty.ExitCode);
        Assert.Contains("The agent has no identities.", empty.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LifetimeExpiryIsSeenBySshAdd()
    {
        using var dir = new TempDir();
        string ed = await KeygenAsync(dir.Path, "ed", "ed25519");
        string ed2 = await KeygenAsync(dir.Path, "ed2", "ed25519");
        // The agent's -t default applies to keys added without a lifetime.
        await using var agent = await AgentProcess.StartAsync(hop: true, dir["sock"], extra: ["-t", "1"]);
        var add = await RunAsync(SshAdd, ["-t", "1", ed], agent.Env);
        Assert.True(add.ExitCode == 0, add.All);
        Assert.Equal(0, (await RunAsync(SshAdd, ["-q", ed2], agent.Env)).ExitCode);
        bool gone = await EventuallyAsync(async () =>
        {
            var l = await RunAsync(SshAdd, ["-l"], agent.Env);
            return l.ExitCode == 1 && l.Stdout.Contains("The agent has no identities.", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(20));
        Assert.True(gone, "keys with a lifetime were still listed");
    }

    [Fact]
    public async Task ConfirmAsksThroughAskpass()
    {
        using var dir = new TempDir();
        string ed = await KeygenAsync(dir.Path, "ed", "ed25519");
        File.WriteAllText(dir["answer"], "yes");
        string askpass = WriteAskpass(dir.Path, "askpass", dir["answer"]);
        var agentEnv = new Dictionary<string, string?> { ["SSH_ASKPASS"] = askpass, ["SSH_ASKPASS_REQUIRE"] = "force" };
        await using var agent = await AgentProcess.StartAsync(hop: true, dir["sock"], env: agentEnv);
        var add = await RunAsync(SshAdd, ["-c", ed], agent.Env);
        Assert.True(add.ExitCode == 0, add.All);
        Assert.Contains("The user must confirm each use of the key", add.Stderr, StringComparison.Ordinal);

        var yes = await RunAsync(SshAdd, ["-T", ed + ".pub"], agent.Env);
        Assert.True(yes.ExitCode == 0, yes.All);
        string log = File.ReadAllText(askpass + ".log");
        Assert.Contains("prompt=Allow use of key ed@test?", log, StringComparison.Ordinal);
        Assert.Contains("kind=confirm", log, StringComparison.Ordinal);

        File.WriteAllText(dir["answer"], "no");
        var no = await RunAsync(SshAdd, ["-T", ed + ".pub"], agent.Env);
        Assert.Equal(1, no.ExitCode);
        Assert.Contains("agent refused operation", no.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfirmWithoutAskpassRefuses()
    {
        using var dir = new TempDir();
        string ed = await KeygenAsync(dir.Path, "ed", "ed25519");
        await using var agent = await AgentProcess.StartAsync(hop: true, dir["sock"]);
        Assert.Equal(0, (await RunAsync(SshAdd, ["-c", ed], agent.Env)).ExitCode);
        var t = await RunAsync(SshAdd, ["-T", ed + ".pub"], agent.Env);
        Assert.Equal(1, t.ExitCode);
        Assert.Contains("agent refused operation", t.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LockAndUnlockWithSshAdd()
    {
        using var dir = new TempDir();
        string ed = await KeygenAsync(dir.Path, "ed", "ed25519");
        File.WriteAllText(dir["answer"], "lock me");
        string askpass = WriteAskpass(dir.Path, "askpass", dir["answer"]);
        await using var agent = await AgentProcess.StartAsync(hop: true, dir["sock"]);
        var env = new Dictionary<string, string?>(agent.Env) { ["SSH_ASKPASS"] = askpass, ["SSH_ASKPASS_REQUIRE"] = "force" };
        Assert.Equal(0, (await RunAsync(SshAdd, [ed], env)).ExitCode);

        var lk = await RunAsync(SshAdd, ["-x"], env);
        Assert.True(lk.ExitCode == 0, lk.All);
        Assert.Contains("Agent locked.", lk.Stderr, StringComparison.Ordinal);
        var listed = await RunAsync(SshAdd, ["-l"], env);
        Assert.Equal(1, listed.ExitCode);
        Assert.Contains("The agent has no identities.", listed.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, (await RunAsync(SshAdd, ["-T", ed + ".pub"], env)).ExitCode);

        File.WriteAllText(dir["answer"], "wrong");
        var bad = await RunAsync(SshAdd, ["-X"], env);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("Failed to unlock agent", bad.Stderr, StringComparison.Ordinal);

        File.WriteAllText(dir["answer"], "lock me");
        var ok = await RunAsync(SshAdd, ["-X"], env);
        Assert.True(ok.ExitCode == 0, ok.All);
        Assert.Contains("Agent unlocked.", ok.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync(SshAdd, ["-l"], env)).ExitCode);
    }

    [Fact]
    public async Task BadMessagesDoNotStopTheAgent()
    {
        using var dir = new TempDir();
        string ed = await KeygenAsync(dir.Path, "ed", "ed25519");
        await using var agent = await AgentProcess.StartAsync(hop: true, dir["sock"]);
        Assert.Equal(0, (await RunAsync(SshAdd, [ed], agent.Env)).ExitCode);

        using (var s = Connect(agent.Socket))
        {
            // Unknown type, then a malformed sign request: SSH_AGENT_FAILURE each, connection kept.
            Assert.Equal(5, Exchange(s, [0xfe])[0]);
            Assert.Equal(5, Exchange(s, [13, 0, 0, 0, 9, 1])[0]);
            Assert.Equal(12, Exchange(s, [11])[0]);
        }
        using (var s = Connect(agent.Socket))
        {
            // Oversized (> 256 KiB): the agent closes the connection.
            byte[] header = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(header, 300 * 1024);
            s.Send(header);
            try { s.Send(new byte[32 * 1024]); } catch (SocketException) { }
            s.ReceiveTimeout = 10_000;
            int n;
            try { n = s.Receive(new byte[16]); } catch (SocketException) { n = 0; }
            Assert.Equal(0, n);
        }
        using (var s = Connect(agent.Socket))
        {
            // Truncated: a header promising 1000 bytes, 3 sent, then the client leaves.
            s.Send([0, 0, 3, 0xe8, 11, 0, 0]);
        }
        var l = await RunAsync(SshAdd, ["-l"], agent.Env);
        Assert.True(l.ExitCode == 0, l.All);
        Assert.Equal(0, (await RunAsync(SshAdd, ["-T", ed + ".pub"], agent.Env)).ExitCode);
    }

    [Fact]
    public async Task AnotherUserIsRefused()
    {
        const string user = "hopagenttest";
        var id = await RunAsync("/usr/bin/id", ["-u", user]);
        if (id.ExitCode != 0)
        {
            var add = await RunAsync("/usr/sbin/useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user]);
            Assert.True(add.ExitCode == 0, add.All);
        }
        using var dir = new TempDir();
        string ed = await KeygenAsync(dir.Path, "ed", "ed25519");
        await using var agent = await AgentProcess.StartAsync(hop: true, dir["sock"], debug: true);
        Assert.Equal(0, (await RunAsync(SshAdd, ["-q", ed], agent.Env)).ExitCode);
        // Loosen the modes so that only the uid check stands between the other user and the agent.
        File.SetUnixFileMode(dir.Path, (UnixFileMode)0x1ed); // 0755
        File.SetUnixFileMode(agent.Socket, (UnixFileMode)0x1b6); // 0666

        var other = await RunAsync("/usr/sbin/runuser", ["-u", user, "--", SshAdd, "-l"], agent.Env);
        Assert.NotEqual(0, other.ExitCode);
        Assert.DoesNotContain("ed@test", other.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("no identities", other.Stdout, StringComparison.Ordinal);
        Assert.True(await EventuallyAsync(() => Task.FromResult(agent.Log.Contains("uid mismatch", StringComparison.Ordinal)), TimeSpan.FromSeconds(5)), agent.Log);

        var root = await RunAsync(SshAdd, ["-l"], agent.Env);
        Assert.True(root.ExitCode == 0, root.All);
        Assert.Contains("ed@test", root.Stdout, StringComparison.Ordinal);
    }

    private static Socket Connect(string path)
    {
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        s.Connect(new UnixDomainSocketEndPoint(path));
        s.ReceiveTimeout = 10_000;
        return s;
    }

    private static byte[] Exchange(Socket s, byte[] body)
    {
        byte[] frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)body.Length);
        body.CopyTo(frame, 4);
        s.Send(frame);
        byte[] header = ReceiveExactly(s, 4);
        return ReceiveExactly(s, (int)BinaryPrimitives.ReadUInt32BigEndian(header));
    }

    private static byte[] ReceiveExactly(Socket s, int n)
    {
        var buf = new byte[n];
        int got = 0;
        while (got < n)
        {
            int r = s.Receive(buf, got, n - got, SocketFlags.None);
            Assert.True(r > 0, "the agent closed the connection");
            got += r;
        }
        return buf;
    }
}
