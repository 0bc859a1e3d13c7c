using static Hop.Interop.Tests.Agent.AgentTools;

namespace Hop.Interop.Tests.Agent;

/// <summary>`hop add` asking for a passphrase on a real terminal (tmux): asked once, never echoed.</summary>
public class HopAddTerminalTests
{
    private const string Tmux = "/usr/bin/tmux";

    [Fact]
    public async Task PassphraseFromTheTerminalIsNotEchoed()
    {
        const string pass = "tty-secret-phrase";
        using var dir = new TempDir();
        string key = await KeygenAsync(dir.Path, "k", "ed25519", passphrase: pass, comment: "tty-key");
        await using var agent = await AgentProcess.StartAsync(hop: false, dir["sock"]);
        string server = "hop-agent-" + Guid.NewGuid().ToString("N")[..8];
        string command = $"env SSH_AUTH_SOCK={agent.Socket} SSH_ASKPASS_REQUIRE=never {HopPath} add {key}; echo EXIT=$?; sleep 60";
        var start = await RunAsync(Tmux, ["-L", server, "new-session", "-d", "-s", "s", "-x", "160", "-y", "20", command]);
        Assert.True(start.ExitCode == 0, start.All);
        try
        {
            async Task<string> Screen() => (await RunAsync(Tmux, ["-L", server, "capture-pane", "-p", "-t", "s"])).Stdout;
            Assert.True(await EventuallyAsync(async () => (await Screen()).Contains($"Enter passphrase for {key}:", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), await Screen());
            Assert.Equal(0, (await RunAsync(Tmux, ["-L", server, "send-keys", "-t", "s", "-l", pass])).ExitCode);
            Assert.Equal(0, (await RunAsync(Tmux, ["-L", server, "send-keys", "-t", "s", "Enter"])).ExitCode);
            Assert.True(await EventuallyAsync(async () => (await Screen()).Contains("EXIT=", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), await Screen());
            string screen = await Screen();
            Assert.Contains("EXIT=0", screen, StringComparison.Ordinal);
            Assert.Contains($"Identity added: {key} (tty-key)", screen, StringComparison.Ordinal);
            Assert.DoesNotContain(pass, screen, StringComparison.Ordinal);
            Assert.Contains("tty-key", (await RunAsync("/usr/bin/ssh-add", ["-l"], agent.Env)).Stdout, StringComparison.Ordinal);
        }
        finally
        {
            await RunAsync(Tmux, ["-L", server, "kill-server"]);
        }
    }
}
