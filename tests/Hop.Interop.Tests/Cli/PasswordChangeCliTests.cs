using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Cli;

/// <summary>
/// The password method's change request (RFC 4252 §8, SSH_MSG_USERAUTH_PASSWD_CHANGEREQ): an AsyncSSH
/// server takes the password but wants it changed, and hop answers beside OpenSSH's ssh, both
/// through SSH_ASKPASS.
/// </summary>
[Collection(TestUserHomeCollection.Name)]
public class PasswordChangeCliTests
{
    private const string Password = TestUser.Password;
    private const string NewPassword = AsyncSshServer.NewPassword;

    /// <summary>
    /// An askpass program that writes each prompt it is given to <paramref name="log"/> and answers
    /// the login password and the old one with <paramref name="old"/>; <paramref name="newAnswers"/>
    /// is the shell that answers the new-password prompts ($news and $retypes count them so far, this one included).
    /// </summary>
    private static string Askpass(string log, string old, string newAnswers)
    {
        var path = Path.Combine(TestPaths.NewTempDir(), "askpass");
        File.WriteAllText(path, $"""
            #!/bin/sh
            printf '%s\n' "$1" >> {log}
            news=$(grep -c '^Enter .* new password: ' {log})
            retypes=$(grep -c '^Retype ' {log})
            case "$1" in
            *"'s password: ") echo '{Password}';;
            *"'s old password: ") echo '{old}';;
            *) {newAnswers};;
            esac

            """);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_000_000);
        return path;
    }

    private static List<string> Args(int port, string knownHosts) =>
    [
        "-F", "/dev/null", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "-o", $"UserKnownHostsFile={knownHosts}", "-o", "StrictHostKeyChecking=yes",
        "-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password",
        "-l", TestUser.Name, "127.0.0.1", "hello",
    ];

    private static async Task<(ProcessResult Result, string[] Prompts)> RunAsync(string client, AsyncSshServer server, string dir, string old, string newAnswers)
    {
        string log = Path.Combine(dir, client);
        var env = new Dictionary<string, string?> { ["SSH_ASKPASS"] = Askpass(log, old, newAnswers), ["SSH_ASKPASS_REQUIRE"] = "force" };
        var args = Args(server.Port, server.KnownHostsPath);
        var r = client == "hop"
            ? await HopCli.RunAsync(["ssh", .. args], env)
            : await ProcessRunner.RunAsync("/usr/bin/ssh", args, env, [], TimeSpan.FromSeconds(60));
        return (r, File.Exists(log) ? File.ReadAllLines(log) : []);
    }

    private static string[] SshLines(ProcessResult r) => r.Stderr.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');

    private static string[] HopLines(ProcessResult r) => r.Stderr.Replace("hop: ", "", StringComparison.Ordinal).Split('\n');

    private const string Who = TestUser.Name + "@127.0.0.1";
    private static readonly string[] OneChange = [$"{Who}'s password: ", $"Enter {Who}'s old password: ", $"Enter {Who}'s new password: ", $"Retype {Who}'s new password: "];

    /// <summary>
    /// hop asks what ssh asks, in the same order, logs the server's prompt and its own lines as ssh
    /// does, and ends with ssh's exit status: a change the server takes, a retype that differs
    /// ("Mismatch; try again, EOF to quit." and both asked again), a wrong old password (the server
    /// refuses; the login password is asked again, three prompts in all as NumberOfPasswordPrompts
    /// says, the change not counted), and a new password the server refuses (a second change request,
    /// the old password asked again).
    /// </summary>
    [Theory]
    [InlineData("success")]
    [InlineData("mismatch")]
    [InlineData("wrong-old")]
    [InlineData("refused-new")]
    public async Task PasswordChangeIsAskedAndAnsweredAsSshDoes(string scenario)
    {
        await using var server = await AsyncSshServer.StartAsync("passwd-change");
        var dir = TestPaths.NewTempDir();
        var (old, newAnswers) = scenario switch
        {
            "success" => (Password, $"echo '{NewPassword}'"),
            "mismatch" => (Password, $"if [ $retypes = 1 ] && [ \"${{1#Retype}}\" != \"$1\" ]; then echo typo; else echo '{NewPassword}'; fi"),
            "wrong-old" => ("wrong-old-pw", $"echo '{NewPassword}'"),
            "refused-new" => (Password, $"if [ $news = 1 ]; then echo weak-pw; else echo '{NewPassword}'; fi"),
            _ => throw new ArgumentException(scenario),
        };
        var ssh = await RunAsync("ssh", server, dir, old, newAnswers);
        var hop = await RunAsync("hop", server, dir, old, newAnswers);

        Assert.Equal(ssh.Prompts, hop.Prompts);
        Assert.Equal(SshLines(ssh.Result), HopLines(hop.Result));
        Assert.True(ssh.Result.ExitCode == hop.Result.ExitCode, $"ssh: {ssh.Result}\nhop: {hop.Result}");
        Assert.Equal(ssh.Result.Stdout, hop.Result.Stdout);
        // What ssh did, so that agreeing with it means something.
        string[] sshErr = SshLines(ssh.Result);
        switch (scenario)
        {
            case "success":
                Assert.Equal(OneChange, ssh.Prompts);
                Assert.Equal([AsyncSshServer.ExpiredPrompt, ""], sshErr);
                break;
            case "mismatch":
                Assert.Equal([.. OneChange, $"Enter {Who}'s new password: ", $"Retype {Who}'s new password: "], ssh.Prompts);
                Assert.Equal([AsyncSshServer.ExpiredPrompt, "Mismatch; try again, EOF to quit.", ""], sshErr);
                break;
            case "wrong-old":
                Assert.Equal([.. OneChange, .. OneChange, .. OneChange], ssh.Prompts);
                Assert.Equal([AsyncSshServer.ExpiredPrompt, "Permission denied, please try again.",
                    AsyncSshServer.ExpiredPrompt, "Permission denied, please try again.",
                    AsyncSshServer.ExpiredPrompt, $"{Who}: Permission denied (password).", ""], sshErr);
                break;
            case "refused-new":
                Assert.Equal([.. OneChange, .. OneChange[1..]], ssh.Prompts);
                Assert.Equal([AsyncSshServer.ExpiredPrompt, AsyncSshServer.RetryPrompt, ""], sshErr);
                break;
        }
        Assert.Equal(scenario == "wrong-old" ? 255 : 0, ssh.Result.ExitCode);
        Assert.Equal(scenario == "wrong-old" ? "" : "asyncssh ran: hello\n", ssh.Result.Stdout);
    }

    /// <summary>
    /// No answer at the new-password prompt (askpass fails: EOF) ends the password method. ssh asks
    /// the same prompts and logs the same lines, then sends nothing and waits until the server gives
    /// up on the login (here after 3 seconds: "Connection closed by ..."); hop ends the method at once
    /// and, with no other method left, says "Permission denied (password)." with the same exit status
    /// 255, well within the 2 minutes its own server would wait.
    /// </summary>
    [Fact]
    public async Task NoNewPasswordEndsTheMethod()
    {
        await using var patient = await AsyncSshServer.StartAsync("passwd-change");
        await using var impatient = await AsyncSshServer.StartAsync("passwd-change", TimeSpan.FromSeconds(3));
        var dir = TestPaths.NewTempDir();
        const string cancel = "exit 1";
        var ssh = await RunAsync("ssh", impatient, dir, Password, cancel);
        var hop = await RunAsync("hop", patient, dir, Password, cancel);

        Assert.Equal(OneChange[..3], ssh.Prompts);
        Assert.Equal(ssh.Prompts, hop.Prompts);
        string[] sshErr = SshLines(ssh.Result), hopErr = HopLines(hop.Result);
        Assert.Equal([AsyncSshServer.ExpiredPrompt, $"Connection closed by 127.0.0.1 port {impatient.Port}", ""], sshErr);
        Assert.Equal([AsyncSshServer.ExpiredPrompt, $"{Who}: Permission denied (password).", ""], hopErr);
        Assert.Equal(255, ssh.Result.ExitCode);
        Assert.True(hop.Result.ExitCode == 255, hop.Result.ToString());
    }

    /// <summary>
    /// With HostKeyAlias, ssh's password and change prompts name the alias, lowered; the change
    /// prompts clip the user to 30 bytes (ssh's %.30s). hop asks the same.
    /// </summary>
    [Fact]
    public async Task PromptsNameTheHostKeyAliasAndClipTheUserAsSshDoes()
    {
        await using var server = await AsyncSshServer.StartAsync("passwd-change");
        var dir = TestPaths.NewTempDir();
        string knownHosts = server.KnownHostsFileAs("mixed-alias", dir);
        string user = TestUser.Name + new string('u', 40 - TestUser.Name.Length);
        var results = new Dictionary<string, (ProcessResult Result, string[] Prompts)>();
        foreach (var client in new[] { "ssh", "hop" })
        {
            string log = Path.Combine(dir, client);
            var env = new Dictionary<string, string?> { ["SSH_ASKPASS"] = Askpass(log, Password, $"echo '{NewPassword}'"), ["SSH_ASKPASS_REQUIRE"] = "force" };
            var args = Args(server.Port, knownHosts);
            args.InsertRange(0, ["-o", "HostKeyAlias=Mixed-Alias"]);
            args[args.IndexOf("-l") + 1] = user;
            var r = client == "hop"
                ? await HopCli.RunAsync(["ssh", .. args], env)
                : await ProcessRunner.RunAsync("/usr/bin/ssh", args, env, [], TimeSpan.FromSeconds(60));
            results[client] = (r, File.Exists(log) ? File.ReadAllLines(log) : []);
        }
        var (ssh, hop) = (results["ssh"], results["hop"]);
        string clipped = user[..30] + "@mixed-alias";
        Assert.Equal([$"{user}@mixed-alias's password: ", $"Enter {clipped}'s old password: ", $"Enter {clipped}'s new password: ", $"Retype {clipped}'s new password: "], ssh.Prompts);
        Assert.Equal(ssh.Prompts, hop.Prompts);
        Assert.Equal(SshLines(ssh.Result), HopLines(hop.Result));
        Assert.Equal(0, ssh.Result.ExitCode);
        Assert.True(hop.Result.ExitCode == 0, hop.Result.ToString());
    }

    /// <summary>Neither password reaches hop's log, even at -vvv.</summary>
    [Fact]
    public async Task PasswordsAreNeverLogged()
    {
        await using var server = await AsyncSshServer.StartAsync("passwd-change");
        string log = Path.Combine(TestPaths.NewTempDir(), "prompts");
        var env = new Dictionary<string, string?> { ["SSH_ASKPASS"] = Askpass(log, Password, $"echo '{NewPassword}'"), ["SSH_ASKPASS_REQUIRE"] = "force" };
        var r = await HopCli.RunAsync(["ssh", "-vvv", .. Args(server.Port, server.KnownHostsPath)], env);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains(AsyncSshServer.ExpiredPrompt, r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(NewPassword, r.Stderr, StringComparison.Ordinal);
    }
}
