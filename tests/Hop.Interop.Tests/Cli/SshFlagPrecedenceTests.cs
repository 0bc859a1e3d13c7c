using Hop.Interop.Tests.Config;

namespace Hop.Interop.Tests.Cli;

/// <summary>
/// Flags ssh stores straight into its options (last one wins, over -o and the files) and algorithm lists it refuses up
/// front, each compared with what /usr/bin/ssh does with the same command line.
/// </summary>
public sealed class SshFlagPrecedenceTests
{
    private static readonly string[] Keywords = ["forwardx11", "forwardx11trusted", "forwardagent", "addressfamily", "escapechar"];

    private static Dictionary<string, string> Pick(string dump) =>
        dump.Split('\n').Select(l => l.Split(' ', 2)).Where(p => p.Length == 2 && Keywords.Contains(p[0]))
            .ToDictionary(p => p[0], p => p[1].Trim());

    [Theory]
    [InlineData("-X -x")]
    [InlineData("-x -X")]
    [InlineData("-Y -x")]
    [InlineData("-x -Y")]
    [InlineData("-X")]
    [InlineData("-X -o ForwardX11Trusted=no")]
    [InlineData("-o ForwardX11=no -X")]
    [InlineData("-A -a")]
    [InlineData("-a -A")]
    [InlineData("-4 -6")]
    [InlineData("-6 -4")]
    [InlineData("-e ^ -e none")]
    public async Task LastFlagWinsAsInSsh(string flags)
    {
        string[] words = flags.Split(' ');
        var ssh = Peer.Run("/usr/bin/ssh", ["-G", "-F", "/dev/null", .. words, "h"]);
        Assert.True(ssh.ExitCode == 0, ssh.ToString());
        var hop = await HopCli.RunAsync(["ssh", "-G", "-F", "/dev/null", .. words, "h"]);
        Assert.True(hop.ExitCode == 0, hop.ToString());
        Assert.Equal(Pick(ssh.Stdout), Pick(hop.Stdout));
        Assert.Equal(Keywords.Length, Pick(hop.Stdout).Count);
    }

    /// <summary>
    /// The user: the first of -l, -o User and the destination's user@ on the command line wins, in
    /// the order they come (OpenSSH's regress/sshcfgparse.sh "user first match"), then the config's.
    /// </summary>
    [Theory]
    [InlineData("-o user=foo -l bar baz@host")]
    [InlineData("-lbar baz@host")]
    [InlineData("baz@host -o user=foo -l bar")]
    [InlineData("baz@host -l bar")]
    [InlineData("-l bar -l foo host")]
    [InlineData("-o User=foo -o User=bar host")]
    [InlineData("ssh://baz@host -l bar")]
    [InlineData("-l bar -o User=foo host")]
    [InlineData("-o User=foo baz@host")]
    public async Task TheFirstUserOnTheCommandLineWinsAsInSsh(string args)
    {
        string config = Path.Combine(Fixtures.TestPaths.NewTempDir(), "config");
        File.WriteAllText(config, "Host *\n  User fromconfig\n");
        string[] words = args.Split(' ');
        var ssh = Peer.Run("/usr/bin/ssh", ["-G", "-F", config, .. words]);
        Assert.True(ssh.ExitCode == 0, ssh.ToString());
        var hop = await HopCli.RunAsync(["ssh", "-G", "-F", config, .. words]);
        Assert.True(hop.ExitCode == 0, hop.ToString());
        static string User(string dump) => dump.Split('\n').Single(l => l.StartsWith("user ", StringComparison.Ordinal)).Trim();
        Assert.Equal(User(ssh.Stdout), User(hop.Stdout));
    }

    [Theory]
    [InlineData("Ciphers=nonsense")]
    [InlineData("MACs=nonsense")]
    [InlineData("KexAlgorithms=nonsense")]
    [InlineData("HostKeyAlgorithms=nonsense")]
    [InlineData("Ciphers=^aes128-ctr,nonsense")]
    public async Task UnknownNamesAreRefusedInSshsWords(string option)
    {
        var ssh = Peer.Run("/usr/bin/ssh", ["-G", "-F", "/dev/null", "-o", option, "h"]);
        Assert.Equal(255, ssh.ExitCode);
        // ssh ends its log lines with \r\n.
        string line = ssh.Stderr.Split('\n').Select(l => l.TrimEnd('\r')).Single(l => l.StartsWith("command-line line 0: ", StringComparison.Ordinal));
        var hop = await HopCli.RunAsync(["ssh", "-G", "-F", "/dev/null", "-o", option, "h"]);
        Assert.Equal(255, hop.ExitCode);
        Assert.Contains(line, hop.Stderr, StringComparison.Ordinal);
    }

    /// <summary>A list that removes every algorithm: ssh 9.2 only finds out at the key exchange; Hop refuses it at once, in the same words.</summary>
    [Theory]
    [InlineData("Ciphers", "cipher", "Bad SSH2 cipher spec")]
    [InlineData("MACs", "mac", "Bad SSH2 MAC spec")]
    [InlineData("KexAlgorithms", "kex", "Bad SSH2 KexAlgorithms")]
    [InlineData("HostKeyAlgorithms", "HostKeyAlgorithms", "Bad key types")]
    public async Task RemovingEveryAlgorithmIsRefusedUpFront(string keyword, string query, string words)
    {
        // Every name either ssh or Hop knows.
        var all = Peer.Run("/usr/bin/ssh", ["-Q", query]);
        Assert.Equal(0, all.ExitCode);
        var ours = await HopCli.RunAsync(["ssh", "-Q", query]);
        Assert.Equal(0, ours.ExitCode);
        string value = "-" + string.Join(',', (all.Stdout + "\n" + ours.Stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).Distinct());
        foreach (string v in new[] { value, "-*" })
        {
            var hop = await HopCli.RunAsync(["ssh", "-F", "/dev/null", "-o", $"{keyword}={v}", "-o", "BatchMode=yes", "-p", "1", "127.0.0.1", "true"]);
            Assert.Equal(255, hop.ExitCode);
            Assert.Contains($"command-line line 0: {words} '{v}'.", hop.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Connection refused", hop.Stderr, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("-c", "nonsense")]
    [InlineData("-c", "-aes128-ctr")]
    [InlineData("-m", "nonsense")]
    [InlineData("-m", "-hmac-sha2-256")]
    public async Task BadCipherAndMacFlagsSayWhatSshSays(string flag, string value)
    {
        var ssh = Peer.Run("/usr/bin/ssh", ["-G", "-F", "/dev/null", flag, value, "h"]);
        Assert.Equal(255, ssh.ExitCode);
        var hop = await HopCli.RunAsync(["ssh", "-G", "-F", "/dev/null", flag, value, "h"]);
        Assert.Equal(255, hop.ExitCode);
        Assert.Equal(ssh.Stderr.Replace("\r", "", StringComparison.Ordinal).Trim(), hop.Stderr.Trim());
    }

    private static readonly string[] SessionKeywords = ["sessiontype", "stdinnull", "forkafterauthentication", "remotecommand"];

    /// <summary>-N, -n, -f, -s and -W are the config's SessionType, StdinNull and ForkAfterAuthentication too; RemoteCommand's tokens are expanded.</summary>
    [Theory]
    [InlineData("-N|h")]
    [InlineData("-n|h")]
    [InlineData("-f|h|true")]
    [InlineData("-f|-N|h")]
    [InlineData("-s|h|sftp")]
    [InlineData("-W|a:1|h")]
    [InlineData("-o|SessionType=none|h")]
    [InlineData("-o|SessionType=Subsystem|h|sftp")]
    [InlineData("-o|StdinNull=yes|h")]
    [InlineData("-o|ForkAfterAuthentication=yes|h|true")]
    [InlineData("-o|RemoteCommand=echo %r@%h:%p %n|-l|me|-p|2022|h")]
    [InlineData("-o|RemoteCommand=none|h")]
    public async Task SessionFlagsAndTheirConfigFormsShowAsInSsh(string args)
    {
        string[] words = args.Split('|');
        var ssh = Peer.Run("/usr/bin/ssh", ["-G", "-F", "/dev/null", .. words]);
        Assert.True(ssh.ExitCode == 0, ssh.ToString());
        var hop = await HopCli.RunAsync(["ssh", "-G", "-F", "/dev/null", .. words]);
        Assert.True(hop.ExitCode == 0, hop.ToString());
        static string Lines(string dump) => string.Join('\n', dump.Split('\n').Where(l => SessionKeywords.Contains(l.Split(' ')[0])));
        Assert.Equal(Lines(ssh.Stdout), Lines(hop.Stdout));
        Assert.NotEqual("", Lines(hop.Stdout));
    }

    [Theory]
    [InlineData("-f|h", "Cannot fork into background without a command to execute.")]
    [InlineData("-o|ForkAfterAuthentication=yes|h", "Cannot fork into background without a command to execute.")]
    [InlineData("-o|RemoteCommand=uptime|h|true", "Cannot execute command-line and remote command.")]
    [InlineData("-s|h", "You must specify a subsystem to invoke.")]
    [InlineData("-o|SessionType=Subsystem|h", "You must specify a subsystem to invoke.")]
    public async Task SessionFlagsSshRefusesAreRefused(string args, string message)
    {
        string[] words = args.Split('|');
        var ssh = Peer.Run("/usr/bin/ssh", ["-G", "-F", "/dev/null", .. words]);
        Assert.Equal(255, ssh.ExitCode);
        Assert.Contains(message, ssh.Stderr, StringComparison.Ordinal);
        var hop = await HopCli.RunAsync(["ssh", "-G", "-F", "/dev/null", .. words]);
        Assert.Equal(255, hop.ExitCode);
        Assert.Contains(message, hop.Stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// -w: point-to-point unless a Tunnel mode came before it on the command line; its units win over
    /// TunnelDevice wherever that comes, the last -w over earlier ones.
    /// </summary>
    [Theory]
    [InlineData("-w|5:6|h")]
    [InlineData("-w|any|h")]
    [InlineData("-w|5|h")]
    [InlineData("-w|1|-w|2|h")]
    [InlineData("-w|5:6|-o|Tunnel=ethernet|h")]
    [InlineData("-o|Tunnel=ethernet|-w|5:6|h")]
    [InlineData("-o|Tunnel=no|-w|5|h")]
    [InlineData("-o|TunnelDevice=7:8|-w|5|h")]
    [InlineData("-w|5|-o|TunnelDevice=7:8|h")]
    [InlineData("-o|Tunnel=yes|-o|TunnelDevice=any:3|h")]
    public async Task TunnelFlagShowsAsInSsh(string args)
    {
        string[] words = args.Split('|');
        var ssh = Peer.Run("/usr/bin/ssh", ["-G", "-F", "/dev/null", .. words]);
        Assert.True(ssh.ExitCode == 0, ssh.ToString());
        var hop = await HopCli.RunAsync(["ssh", "-G", "-F", "/dev/null", .. words]);
        Assert.True(hop.ExitCode == 0, hop.ToString());
        static string Lines(string dump) => string.Join('\n', dump.Split('\n').Where(l => l.Split(' ')[0] is "tunnel" or "tunneldevice"));
        Assert.Equal(Lines(ssh.Stdout), Lines(hop.Stdout));
        Assert.Equal(2, Lines(hop.Stdout).Split('\n').Length);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("5:")]
    [InlineData(":6")]
    [InlineData("2147483646")]
    [InlineData("-1")]
    public async Task BadTunnelDevicesAreRefusedInSshsWords(string value)
    {
        var ssh = Peer.Run("/usr/bin/ssh", ["-G", "-F", "/dev/null", "-w", value, "h"]);
        Assert.Equal(255, ssh.ExitCode);
        var hop = await HopCli.RunAsync(["ssh", "-G", "-F", "/dev/null", "-w", value, "h"]);
        Assert.Equal(255, hop.ExitCode);
        Assert.Equal(ssh.Stderr.Replace("\r", "", StringComparison.Ordinal).Trim(), hop.Stderr.Trim());
        Assert.Equal($"Bad tun device '{value}'", hop.Stderr.Trim());
    }
}
