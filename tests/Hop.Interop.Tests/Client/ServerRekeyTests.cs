using System.IO.Pipelines;
using System.Security.Cryptography;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Client;

/// <summary>Key re-exchange started by the server (sshd's RekeyLimit), with data flowing both ways.</summary>
public class ServerRekeyTests
{
    /// <summary>Sends <paramref name="size"/> random bytes through `cat` on a new session and checks they all come back.</summary>
    private static async Task AssertEchoedIntactAsync(Hop.Ssh.Client.SshClient client, int size, TimeSpan timeout)
    {
        var data = RandomNumberGenerator.GetBytes(size);
        await using var session = await client.Connection.OpenSessionAsync();
        await session.ExecAsync("cat");
        var ms = new MemoryStream();
        var echoed = session.Output.CopyToAsync(ms);
        await session.GetInputStream().WriteAsync(data);
        await session.SendEofAsync();
        await echoed.WaitAsync(timeout);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(ms.ToArray()));
    }

    [Fact]
    public async Task ServerStartedRekeysKeepDataIntact()
    {
        await using var sshd = await SshdServer.StartAsync(["RekeyLimit 512K"]);
        await using var client = await ClientHarness.ConnectAsync(sshd.Port, sshd.User, sshd.KnownHostsPath, ciphers: ["aes128-gcm@openssh.com"]);
        await AssertEchoedIntactAsync(client, 8 * 1024 * 1024, TimeSpan.FromSeconds(120));
        Assert.True(client.Transport!.KeyExchangeCount > 10, $"only {client.Transport!.KeyExchangeCount} key exchanges");
        Assert.Contains("rekeying", sshd.Log, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// A client limit smaller than the packets of authentication (OpenSSH's regress/rekey.sh goes
    /// down to RekeyLimit=16): as OpenSSH, no rekey before authentication is done (a KEXINIT sent
    /// then waited for a reply that only the not-yet-running receive loop would have read), and
    /// after it a rekey as soon as the limit is passed.
    /// </summary>
    [Fact]
    public async Task ATinyClientRekeyLimitWaitsForAuthenticationThenRekeys()
    {
        await using var sshd = await SshdServer.StartAsync();
        var connect = ClientHarness.ConnectAsync(sshd.Port, sshd.User, sshd.KnownHostsPath,
            ciphers: ["aes128-gcm@openssh.com"], rekeyBytes: 16);
        await using var client = await connect.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, client.Transport!.KeyExchangeCount);
        await AssertEchoedIntactAsync(client, 64 * 1024, TimeSpan.FromSeconds(60));
        Assert.True(client.Transport!.KeyExchangeCount > 1, $"only {client.Transport!.KeyExchangeCount} key exchange(s)");
    }

    /// <summary>
    /// RekeyLimit's time limit also rekeys a connection that carries nothing (OpenSSH's
    /// regress/rekey.sh, "client rekeylimit default 5 no data"): a timer, not the next send, starts it.
    /// </summary>
    [Fact]
    public async Task ATimeLimitRekeysAnIdleConnection()
    {
        await using var sshd = await SshdServer.StartAsync();
        var args = await Cli.HopCli.SshArgsAsync(sshd.Port, sshd.User, sshd.KnownHostsPath);
        var r = await Cli.HopCli.RunAsync([.. args, "-v", "-o", "RekeyLimit=default 1", "sleep 3.5"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        int newKeys = r.Stderr.Split('\n').Count(l => l.Contains("SSH2_MSG_NEWKEYS sent", StringComparison.Ordinal));
        Assert.True(newKeys >= 3, $"{newKeys} NEWKEYS sent (the first key exchange and at least two re-exchanges expected):\n{r.Stderr}");
    }

    /// <summary>
    /// Both sides rekey on small limits, so their KEXINITs cross: a rekey started by a sender while
    /// the server's KEXINIT is being handled must not send a second KEXINIT (that broke the exchange
    /// hash about once in 260 connections before the fix).
    /// </summary>
    [Fact]
    public async Task CrossingRekeysFromBothSidesKeepTheExchangeHashRight()
    {
        await using var sshd = await SshdServer.StartAsync(["RekeyLimit 128K"]);
        await using var client = await ClientHarness.ConnectAsync(sshd.Port, sshd.User, sshd.KnownHostsPath,
            ciphers: ["chacha20-poly1305@openssh.com"], rekeyBytes: 128 * 1024);
        await AssertEchoedIntactAsync(client, 12 * 1024 * 1024, TimeSpan.FromSeconds(180));
        Assert.True(client.Transport!.KeyExchangeCount > 50, $"only {client.Transport!.KeyExchangeCount} key exchanges");
    }
}
