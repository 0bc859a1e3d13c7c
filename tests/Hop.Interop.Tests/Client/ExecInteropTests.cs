using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Client;

/// <summary>Exec sessions through the library against OpenSSH's sshd.</summary>
public class ExecInteropTests : IAsyncLifetime
{
    private SshdServer _sshd = null!;

    public async Task InitializeAsync() => _sshd = await SshdServer.StartAsync();
    public async Task DisposeAsync() => await _sshd.DisposeAsync();

    private static async Task<byte[]> ReadAllAsync(PipeReader reader)
    {
        var ms = new MemoryStream();
        await reader.CopyToAsync(ms);
        return ms.ToArray();
    }

    /// <summary>Reads to the end, noting the thread the first data was delivered on (ConfigureAwait(false): it goes on there).</summary>
    private static async Task<(string Text, string? Thread)> ReadNotingThreadAsync(PipeReader reader, CancellationToken ct)
    {
        var text = new System.Text.StringBuilder();
        string? thread = null;
        while (true)
        {
            var result = await reader.ReadAsync(ct).ConfigureAwait(false);
            if (!result.Buffer.IsEmpty) thread ??= Thread.CurrentThread.Name;
            text.Append(System.Text.Encoding.UTF8.GetString(result.Buffer.ToArray()));
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted) return (text.ToString(), thread);
        }
    }

    [Fact]
    public async Task ExecSeparatesStdoutStderrAndReportsExitStatus()
    {
        await using var client = await ClientHarness.ConnectAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        await using var session = await client.Connection.OpenSessionAsync();
        await session.ExecAsync("echo out; echo err >&2; exit 7");
        await session.SendEofAsync();
        var stdout = ReadAllAsync(session.Output);
        var stderr = ReadAllAsync(session.ExtendedOutput);
        var exit = await session.Exit.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("out\n", System.Text.Encoding.UTF8.GetString(await stdout));
        Assert.Equal("err\n", System.Text.Encoding.UTF8.GetString(await stderr));
        Assert.Equal(7, exit.ExitStatus);
    }

    [Fact]
    public async Task RunCommandKeepsOutputAndExitStatusOfOneCommandAfterAnother()
    {
        await using var client = await ClientHarness.ConnectAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        for (int i = 0; i < 20; i++)
        {
            var result = await client.Connection.RunCommandAsync($"echo out {i}; echo err >&2; head -c 300000 /dev/zero; exit {i}")
                .WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(i, result.ExitStatus);
            Assert.Equal($"out {i}\n", System.Text.Encoding.UTF8.GetString(result.Output, 0, result.Output.Length - 300_000));
            Assert.True(result.Output.AsSpan(result.Output.Length - 300_000).IndexOfAnyExcept((byte)0) < 0);
            Assert.Equal("err\n", result.ErrorOutputText);
        }
        Assert.Equal(0, client.Connection.ChannelCount);
    }

    [Fact]
    public async Task OutputThatHadToBeWaitedForIsDeliveredOnTheConnectionsReadThread()
    {
        // The receive loop runs on the thread that waits in poll(2) for the socket, so data reaches
        // a pipe reader without a hop through the socket engine and the thread pool.
        await using var client = await ClientHarness.ConnectAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        await using var session = await client.Connection.OpenSessionAsync();
        await session.ExecAsync("sleep 0.5; echo late");
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var (text, thread) = await ReadNotingThreadAsync(session.Output, guard.Token);
        Assert.Equal("late\n", text);
        Assert.Equal("hop ssh read", thread);
    }

    [Fact]
    public async Task ExitSignalIsReported()
    {
        await using var client = await ClientHarness.ConnectAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        await using var session = await client.Connection.OpenSessionAsync();
        await session.ExecAsync("kill -TERM $$");
        var exit = await session.Exit.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Null(exit.ExitStatus);
        Assert.Equal("TERM", exit.Signal?.SignalName);
    }

    [Theory]
    [InlineData("chacha20-poly1305@openssh.com", null)]
    [InlineData("aes128-gcm@openssh.com", null)]
    [InlineData("aes256-ctr", "hmac-sha2-256-etm@openssh.com")]
    [InlineData("aes128-ctr", "hmac-sha2-512")]
    public async Task SixteenMegabytesEachWayWithRekeyEvery256KiB(string cipher, string? mac)
    {
        await using var client = await ClientHarness.ConnectAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath,
            ciphers: [cipher], macs: mac is null ? null : [mac], rekeyBytes: 256 * 1024);
        var data = RandomNumberGenerator.GetBytes(16 * 1024 * 1024);
        await using var session2 = await client.Connection.OpenSessionAsync();
        await session2.ExecAsync("cat");
        var echoed = ReadAllAsync(session2.Output);
        var input = session2.GetInputStream();
        await input.WriteAsync(data);
        await session2.SendEofAsync();
        var back = await echoed.WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(back));
        Assert.True(client.Transport!.KeyExchangeCount > 10, $"only {client.Transport!.KeyExchangeCount} key exchanges");
        var exit = await session2.Exit.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(0, exit.ExitStatus);
    }

    /// <summary>
    /// Hashes what it is given, as `hop ssh` writes a session's stdout to ours. A partial one takes
    /// only half of every other write, as a full socket does, and the rest comes later through
    /// WriteAsync, off the receive loop.
    /// </summary>
    private sealed class HashingSink(bool partial) : Hop.Ssh.Connection.IChannelDataSink
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private int _writes;
        public long Length { get; private set; }
        public int Deferred { get; private set; }

        public int Write(ReadOnlySpan<byte> data)
        {
            int n = partial && _writes++ % 2 == 1 ? data.Length / 2 : data.Length;
            Take(data[..n]);
            return n;
        }

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> data)
        {
            Deferred++;
            await Task.Yield();
            Take(data.Span);
        }

        private void Take(ReadOnlySpan<byte> data)
        {
            _hash.AppendData(data);
            Length += data.Length;
        }

        public byte[] Sha256 => _hash.GetCurrentHash();
    }

    [Theory]
    [InlineData("chacha20-poly1305@openssh.com", null, false)]
    [InlineData("aes128-gcm@openssh.com", null, false)]
    [InlineData("aes128-ctr", "hmac-sha2-256-etm@openssh.com", false)]
    [InlineData("aes128-gcm@openssh.com", null, true)]
    public async Task ASinkGetsSixteenMegabytesIntactAcrossRekeys(string cipher, string? mac, bool partialWrites)
    {
        // A sink is written straight from the transport's receive buffer when one socket read brought
        // one packet: the buffer must not move or be refilled before that write (rekeys every 256 KiB
        // and reads of every size on the way). A partial sink leaves half of every other write to its
        // WriteAsync: what waits for that must keep its place ahead of what arrives meanwhile.
        await using var client = await ClientHarness.ConnectAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath,
            ciphers: [cipher], macs: mac is null ? null : [mac], rekeyBytes: 256 * 1024);
        var data = RandomNumberGenerator.GetBytes(16 * 1024 * 1024 + 7);
        var stdout = new HashingSink(partialWrites);
        await using var session = await client.Connection.OpenSessionAsync(new Hop.Ssh.Connection.ChannelSinks(stdout, null));
        await session.ExecAsync("cat");
        await session.GetInputStream().WriteAsync(data);
        await session.SendEofAsync();
        var exit = await session.Exit.WaitAsync(TimeSpan.FromSeconds(120));
        await session.SinksWritten.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(0, exit.ExitStatus);
        Assert.Equal(data.Length, stdout.Length);
        Assert.Equal(SHA256.HashData(data), stdout.Sha256);
        Assert.Equal(partialWrites, stdout.Deferred > 0);
    }

    [Fact]
    public async Task StdinEofReachesTheRemoteCommand()
    {
        await using var client = await ClientHarness.ConnectAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        await using var session = await client.Connection.OpenSessionAsync();
        await session.ExecAsync("wc -c");
        var stdout = ReadAllAsync(session.Output);
        await session.GetInputStream().WriteAsync(new byte[12345]);
        await session.SendEofAsync();
        Assert.Equal("12345", System.Text.Encoding.UTF8.GetString(await stdout.WaitAsync(TimeSpan.FromSeconds(20))).Trim());
    }

    [Fact]
    public async Task ManySessionsOnOneConnection()
    {
        await using var client = await ClientHarness.ConnectAsync(_sshd.Port, _sshd.User, _sshd.KnownHostsPath);
        var tasks = Enumerable.Range(0, 20).Select(async i =>
        {
            await using var s = await client.Connection.OpenSessionAsync();
            await s.ExecAsync($"echo {i}");
            var o = await ReadAllAsync(s.Output);
            return System.Text.Encoding.UTF8.GetString(o).Trim();
        });
        var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), results);
    }
}
