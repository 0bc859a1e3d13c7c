using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Hostile;

/// <summary>
/// A server that breaks the protocol gets a one-line error and exit 255 within the connect
/// timeout: no stack trace, no hang.
/// </summary>
public class HostileServerTests
{
    private static async Task<ProcessResult> RunHopAgainstAsync(MiniSshServer server)
    {
        var dir = TestPaths.NewTempDir();
        var known = Path.Combine(dir, "known_hosts");
        File.WriteAllText(known, server.KnownHostsLine + "\n");
        var args = await HopCli.SshArgsAsync(server.Port, "nobody", known);
        // Short for the silent server (the timeout is what is tested), roomy for the rest: the key
        // exchange must finish even on a loaded machine.
        args[args.IndexOf("ConnectTimeout=10")] = server.Mode == Misbehaviour.Silent ? "ConnectTimeout=3" : "ConnectTimeout=20";
        args.Add("true");
        return await HopCli.RunAsync(args, timeout: TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData(Misbehaviour.Silent, "timed out")]
    [InlineData(Misbehaviour.GarbageVersion, "no SSH version line")]
    [InlineData(Misbehaviour.TooLongPacket, "Bad packet length")]
    [InlineData(Misbehaviour.BadPadding, "padding")]
    [InlineData(Misbehaviour.BadMac, "Corrupted MAC on input")]
    [InlineData(Misbehaviour.UnexpectedMessageDuringKex, "unexpected message")]
    [InlineData(Misbehaviour.DisconnectAfterKex, "Received disconnect from server: 11: go away")]
    public async Task MisbehavingServerGivesOneLineAndExit255(Misbehaviour mode, string expected)
    {
        await using var server = new MiniSshServer(mode);
        var r = await RunHopAgainstAsync(server);
        Assert.Equal(255, r.ExitCode);
        var lines = r.Stderr.TrimEnd('\n').Split('\n');
        Assert.True(lines.Length == 1, r.Stderr);
        Assert.StartsWith("hop: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mlkem768x25519-sha256")]
    [InlineData("curve25519-sha256")]
    [InlineData("sntrup761x25519-sha512")]
    public async Task KeyExchangeCompletesAgainstOurOwnServer(string kex)
    {
        await using var server = new MiniSshServer(Misbehaviour.None, kex);
        var dir = TestPaths.NewTempDir();
        var known = Path.Combine(dir, "known_hosts");
        File.WriteAllText(known, server.KnownHostsLine + "\n");
        var args = await HopCli.SshArgsAsync(server.Port, "nobody", known);
        args.InsertRange(1, ["-v", "-o", $"KexAlgorithms={kex}"]);
        args.Add("true");
        var r = await HopCli.RunAsync(args, timeout: TimeSpan.FromSeconds(30));
        // The server refuses every login: what matters is that the key exchange and the encrypted
        // service request went through both ways.
        Assert.Equal(255, r.ExitCode);
        Assert.Contains($"kex: algorithm: {kex}", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("Permission denied (publickey)", r.Stderr, StringComparison.Ordinal);
        lock (server.Events)
        {
            Assert.Contains($"kex {kex} done", server.Events);
            Assert.Contains("service ssh-userauth", server.Events);
        }
    }

    [Fact]
    public async Task BannerLinesBeforeTheVersionAreAccepted()
    {
        await using var server = new MiniSshServer(Misbehaviour.BannerLinesBeforeVersion);
        var r = await RunHopAgainstAsync(server);
        Assert.Contains("Permission denied (publickey)", r.Stderr, StringComparison.Ordinal);
        lock (server.Events) Assert.Contains("service ssh-userauth", server.Events);
    }

    [Fact]
    public async Task UnknownMessageIsAnsweredWithUnimplemented()
    {
        await using var server = new MiniSshServer(Misbehaviour.UnknownMessage);
        var r = await RunHopAgainstAsync(server);
        Assert.Contains("Permission denied (publickey)", r.Stderr, StringComparison.Ordinal);
        lock (server.Events) Assert.Contains("unimplemented for the right packet", server.Events);
    }
}
