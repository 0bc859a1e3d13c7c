using System.Globalization;
using System.Text;
using Hop.Interop.Tests.Fixtures;
using static Hop.Interop.Tests.Agent.AgentTools;

namespace Hop.Interop.Tests.Agent;

/// <summary>
/// Token keys in the agent (ssh-add -s / -e) on a SoftHSM2 token of each test's own: the same run of
/// adds, removals, refusals, -D and lock, by ssh-add and `hop add`, against ssh-agent and `hop agent`,
/// must print the same lines with the same exit codes, list the same keys, and ask the PIN with the
/// same prompt; and ssh and `hop ssh` log in to a real sshd with a token key `hop agent` serves.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AgentPkcs11Tests : IDisposable
{
    private readonly SoftHsmToken _token = new();
    private readonly TempDir _dir = new();

    public void Dispose()
    {
        _dir.Dispose();
        _token.Dispose();
    }

    private Dictionary<string, string?> TokenEnv()
    {
        var env = new Dictionary<string, string?>();
        foreach (var (k, v) in _token.Environment) env[k] = v;
        return env;
    }

    private Task<AgentProcess> StartAgentAsync(bool hop, string name, params string[] extra) =>
        AgentProcess.StartAsync(hop, _dir[name], debug: true, TokenEnv(), extra);

    /// <summary>
    /// Runs ssh-add or `hop add` through a sequence of card operations against <paramref name="agent"/>
    /// and returns what a user would see: each command, its exit code, stdout and stderr, and the
    /// prompts the askpass program was shown.
    /// </summary>
    private async Task<string> TranscriptAsync(bool hopAdd, AgentProcess agent, string tag)
    {
        string answer = _dir[tag + ".answer"];
        string askpass = WriteAskpass(_dir.Path, tag + ".askpass", answer);
        // A copy of the module outside /usr/lib*: the default allowlist refuses it.
        string outside = _dir["libcopy.so"];
        if (!File.Exists(outside)) File.Copy(SoftHsmToken.Module, outside);
        var log = new StringBuilder();
        async Task Step(string pin, params string[] args)
        {
            await File.WriteAllTextAsync(answer, pin);
            var env = new Dictionary<string, string?>(agent.Env) { ["SSH_ASKPASS"] = askpass, ["SSH_ASKPASS_REQUIRE"] = "force" };
            var r = hopAdd ? await RunAsync(HopPath, ["add", .. args], env) : await RunAsync("/usr/bin/ssh-add", args, env);
            // The token lists its objects in no fixed order (SoftHSM's differs between loads): keys are compared as a set.
            string stdout = string.Concat(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).Select(l => l + "\n"));
            log.Append(CultureInfo.InvariantCulture, $"$ add {string.Join(' ', args)}\nexit {r.ExitCode}\n{stdout}{r.Stderr}");
            string prompts = askpass + ".log";
            if (File.Exists(prompts))
            {
                log.Append(await File.ReadAllTextAsync(prompts));
                File.Delete(prompts);
            }
        }
        const string Module = SoftHsmToken.Module;
        await Step(SoftHsmToken.Pin, "-s", Module);
        await Step("", "-L");
        await Step("", "-l");
        await Step(SoftHsmToken.Pin, "-s", Module);          // already registered
        await Step("", "-e", Module);
        await Step("", "-e", Module);                        // not registered any more
        await Step("", "-l");
        await Step("9999", "-s", Module);                    // wrong PIN
        await Step("", "-l");
        await Step(SoftHsmToken.Pin, "-s", outside);         // outside the allowlist
        await Step(SoftHsmToken.Pin, "-s", _dir["no-such-lib.so"]);
        await Step("", "-e", outside);                       // never added
        await Step(SoftHsmToken.Pin, "-t", "600", "-c", "-s", Module);
        await Step("", "-l");
        await Step("secret", "-x");
        await Step("", "-l");
        await Step("", "-e", Module);                        // locked: refused
        await Step("secret", "-X");
        await Step("", "-L");
        await Step("", "-D");
        await Step("", "-l");
        await Step(SoftHsmToken.Pin, "-s", Module);          // -D keeps the provider loaded, as ssh-agent
        await Step("", "-q", "-e", Module);
        await Step(SoftHsmToken.Pin, "-q", "-s", Module);
        await Step("", "-L");
        return log.ToString();
    }

    [Fact]
    public async Task SshAddCardsAgainstHopAgentAsAgainstSshAgent()
    {
        string expected, actual;
        await using (var ssh = await StartAgentAsync(hop: false, "ssh.sock"))
        {
            expected = await TranscriptAsync(hopAdd: false, ssh, "ssh");
        }
        await using (var hop = await StartAgentAsync(hop: true, "hop.sock"))
        {
            actual = await TranscriptAsync(hopAdd: false, hop, "hop");
            Assert.Contains("refusing PKCS#11 add of", hop.Log, StringComparison.Ordinal);
            Assert.DoesNotContain(SoftHsmToken.Pin + "\n", hop.Log, StringComparison.Ordinal);
        }
        Assert.Contains("Card added: " + SoftHsmToken.Module, expected, StringComparison.Ordinal);
        Assert.Contains(" k1 (RSA)", expected, StringComparison.Ordinal);
        Assert.Contains($"Could not add card \"{_dir["libcopy.so"]}\": agent refused operation", expected, StringComparison.Ordinal);
        Assert.Contains("All identities removed.", expected, StringComparison.Ordinal);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task HopAddCardsAgainstSshAgentAsSshAdd()
    {
        string expected, actual;
        await using (var a = await StartAgentAsync(hop: false, "a.sock"))
        {
            expected = await TranscriptAsync(hopAdd: false, a, "ssh");
        }
        await using (var b = await StartAgentAsync(hop: false, "b.sock"))
        {
            actual = await TranscriptAsync(hopAdd: true, b, "hop");
        }
        Assert.Contains("prompt=Enter passphrase for PKCS#11: ", expected, StringComparison.Ordinal);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task HopAgentRefusesAProviderOutsideItsAllowlist()
    {
        // -P narrows the allowlist: the module's canonical path (under /usr/lib) no longer matches.
        await using var agent = await StartAgentAsync(hop: true, "sock", "-P", "/opt/*");
        File.WriteAllText(_dir["answer"], SoftHsmToken.Pin);
        var env = new Dictionary<string, string?>(agent.Env) { ["SSH_ASKPASS"] = WriteAskpass(_dir.Path, "askpass", _dir["answer"]), ["SSH_ASKPASS_REQUIRE"] = "force" };
        var r = await RunAsync("/usr/bin/ssh-add", ["-s", SoftHsmToken.Module], env);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"Could not add card \"{SoftHsmToken.Module}\": agent refused operation\n", r.Stderr);
        Assert.Contains("provider not allowed", agent.Log, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/usr/bin/ssh", "rsa")]
    [InlineData("hop", "rsa")]
    [InlineData("/usr/bin/ssh", "ecdsa")]
    [InlineData("hop", "ecdsa")]
    public async Task SshLogsInWithATokenKeyServedByHopAgent(string client, string keyType)
    {
        await using var sshd = await SshdServer.StartAsync();
        await File.WriteAllTextAsync(sshd.AuthorizedKeysPath, await File.ReadAllTextAsync(keyType == "rsa" ? _token.RsaPublicKeyPath : _token.EcdsaPublicKeyPath));
        await using var agent = await StartAgentAsync(hop: true, "sock");
        File.WriteAllText(_dir["answer"], SoftHsmToken.Pin);
        var env = new Dictionary<string, string?>(agent.Env) { ["SSH_ASKPASS"] = WriteAskpass(_dir.Path, "askpass", _dir["answer"]), ["SSH_ASKPASS_REQUIRE"] = "force" };
        var add = await RunAsync("/usr/bin/ssh-add", ["-s", SoftHsmToken.Module], env);
        Assert.True(add.ExitCode == 0, add.All + agent.Log);

        string[] args =
        [
            "-F", "/dev/null", "-p", sshd.Port.ToString(CultureInfo.InvariantCulture),
            "-o", $"IdentityFile={_dir["no-such-key"]}", "-o", "BatchMode=yes",
            "-o", $"UserKnownHostsFile={sshd.KnownHostsPath}", "-o", "StrictHostKeyChecking=yes",
            "-o", "ConnectTimeout=10", "-l", sshd.User, sshd.Host, "echo", "token-ok",
        ];
        var r = client == "hop" ? await RunAsync(HopPath, ["ssh", .. args], agent.Env) : await RunAsync(client, args, agent.Env);
        Assert.True(r.ExitCode == 0, r.All + agent.Log + sshd.Log);
        Assert.Equal("token-ok\n", r.Stdout);
        Assert.Contains($"debug1: sign: {(keyType == "rsa" ? "ssh-rsa" : "ecdsa-sha2-nistp256")}", agent.Log, StringComparison.Ordinal);
    }
}
