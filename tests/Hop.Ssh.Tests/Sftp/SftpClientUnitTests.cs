using System.Buffers.Binary;
using System.Security.Cryptography;
using Hop.Ssh.Sftp;

namespace Hop.Ssh.Tests.Sftp;

/// <summary>The SFTP client against an in-memory server: pipelined transfers, short reads, hostile replies.</summary>
public class SftpClientUnitTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static async Task<(SftpClient Client, InMemorySftpServer Server, Task Running)> StartAsync(byte[] file, int maxRead = int.MaxValue, Func<byte, uint, byte[]?>? hostile = null)
    {
        var (client, server) = DuplexStream.CreatePair();
        var s = new InMemorySftpServer(server, file) { MaxReadReply = maxRead, Hostile = hostile };
        var running = Task.Run(s.RunAsync);
        var sftp = await SftpClient.OpenAsync(client).WaitAsync(Timeout);
        return (sftp, s, running);
    }

    [Theory]
    [InlineData(0, int.MaxValue)]
    [InlineData(1, int.MaxValue)]
    [InlineData(5_000_000, int.MaxValue)]
    [InlineData(300_000, 1000)]
    public async Task DownloadIsIntactWithShortReads(int size, int maxRead)
    {
        var file = RandomNumberGenerator.GetBytes(size);
        var (sftp, _, _) = await StartAsync(file, maxRead);
        await using (sftp)
        {
            var ms = new MemoryStream();
            long n = await sftp.DownloadAsync("/f", ms).WaitAsync(Timeout);
            Assert.Equal(size, n);
            Assert.Equal(SHA256.HashData(file), SHA256.HashData(ms.ToArray()));
            // Without a known size the client reads to EOF.
            var ms2 = new MemoryStream();
            await sftp.DownloadAsync("/f", new SftpAttributes(), ms2).WaitAsync(Timeout);
            Assert.Equal(SHA256.HashData(file), SHA256.HashData(ms2.ToArray()));
        }
    }

    [Theory]
    [InlineData(10)]
    [InlineData(700_000)]
    [InlineData(5_000_000)]
    public async Task DownloadTrustsTheFileNotAStaleSize(long listedSize)
    {
        // The listing said one size; the file has another by the time it is read.
        var file = RandomNumberGenerator.GetBytes(2_000_000);
        var (sftp, _, _) = await StartAsync(file, maxRead: 100_000);
        await using (sftp)
        {
            var ms = new MemoryStream();
            await sftp.DownloadAsync("/f", new SftpAttributes { Size = (ulong)listedSize, Permissions = 0x81A4 }, ms).WaitAsync(Timeout);
            Assert.Equal(SHA256.HashData(file), SHA256.HashData(ms.ToArray()));
        }
    }

    // Below SftpClient.OwnThreadTransferMinimum the WRITE loop is awaited; from it, it runs on a thread of its own.
    [Theory]
    [InlineData(1_000_003)]
    [InlineData(5_000_003)]
    public async Task UploadIsIntact(int size)
    {
        var data = RandomNumberGenerator.GetBytes(size);
        var (sftp, server, _) = await StartAsync([]);
        await using (sftp)
        {
            Assert.Equal(data.Length, await sftp.UploadAsync(new MemoryStream(data), "/f").WaitAsync(Timeout));
            Assert.Equal(data, server.Written);
        }
    }

    // Below SftpClient.OwnThreadTransferMinimum (a file of known size) a transfer is awaited; from it,
    // it runs on a thread of its own. Either way a failed WRITE or READ (the last of the 31 or 153
    // for data, 32 KiB each, or an early one) fails the transfer.
    [Theory]
    [InlineData(true, 1_000_003, 31)]
    [InlineData(true, 5_000_003, 153)]
    [InlineData(true, 5_000_003, 3)]
    [InlineData(false, 1_000_003, 31)]
    [InlineData(false, 5_000_003, 153)]
    [InlineData(false, 5_000_003, 3)]
    public async Task AFailedRequestFailsTheTransfer(bool upload, int size, int failed)
    {
        byte type = upload ? SftpPacketType.Write : SftpPacketType.Read;
        int requests = 0;
        var data = RandomNumberGenerator.GetBytes(size);
        var (sftp, _, _) = await StartAsync(data, hostile: (t, id) => t == type && ++requests == failed
            ? InMemorySftpServer.Frame(w => new SftpStatus(id, SftpStatusCode.PermissionDenied, "Permission denied", "").Write(w))
            : null);
        await using (sftp)
        {
            var e = await Assert.ThrowsAsync<SftpException>(() => Transfer(sftp, upload, data).WaitAsync(Timeout));
            Assert.Equal(SftpStatusCode.PermissionDenied, e.Code);
        }
    }

    // Cancelled once the client has sent all the requests it may, and waits for replies: all 31
    // WRITEs, or 31 READs and the probe at the end; 64, the most in flight.
    [Theory]
    [InlineData(true, 1_000_003, 31)]
    [InlineData(true, 5_000_003, 64)]
    [InlineData(false, 1_000_003, 32)]
    [InlineData(false, 5_000_003, 64)]
    public async Task ATransferWithAServerThatNeverAnswersCanBeCancelled(bool upload, int size, int sent)
    {
        byte type = upload ? SftpPacketType.Write : SftpPacketType.Read;
        int requests = 0;
        var allSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var data = RandomNumberGenerator.GetBytes(size);
        var (sftp, _, _) = await StartAsync(data, hostile: (t, _) =>
        {
            if (t != type) return null;
            if (++requests == sent) allSent.SetResult();
            return [];
        });
        await using (sftp)
        {
            using var cts = new CancellationTokenSource();
            var transfer = Transfer(sftp, upload, data, cts.Token);
            await allSent.Task.WaitAsync(Timeout);
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => transfer.WaitAsync(Timeout));
        }
    }

    private static Task<long> Transfer(SftpClient sftp, bool upload, byte[] data, CancellationToken cancellationToken = default) => upload
        ? sftp.UploadAsync(new MemoryStream(data), "/f", cancellationToken: cancellationToken)
        : sftp.DownloadAsync("/f", new MemoryStream(), cancellationToken: cancellationToken);

    [Fact]
    public async Task MissingFileIsNoSuchFile()
    {
        var (sftp, _, _) = await StartAsync([]);
        await using (sftp)
        {
            var e = await Assert.ThrowsAsync<SftpException>(() => sftp.DownloadAsync("/nope", Stream.Null).WaitAsync(Timeout));
            Assert.Equal(SftpStatusCode.NoSuchFile, e.Code);
            Assert.Equal("No such file or directory", e.Message);
        }
    }

    [Fact]
    public async Task ReplyWithUnknownIdIsAProtocolErrorNotAHang()
    {
        var (sftp, _, _) = await StartAsync([], hostile: (type, id) => type == SftpPacketType.Stat
            ? InMemorySftpServer.Frame(w => new SftpStatus(id + 1000, SftpStatusCode.Ok, "", "").Write(w))
            : null);
        await using (sftp)
        {
            var e = await Assert.ThrowsAsync<SshProtocolException>(() => sftp.StatAsync("/f").WaitAsync(Timeout));
            Assert.Contains("unknown request id", e.Message, StringComparison.Ordinal);
            // The session is dead: later requests fail at once instead of waiting.
            await Assert.ThrowsAnyAsync<SshException>(() => sftp.StatAsync("/f").WaitAsync(Timeout));
        }
    }

    [Fact]
    public async Task OversizedPacketIsAProtocolError()
    {
        var (sftp, _, _) = await StartAsync([], hostile: (type, id) =>
        {
            if (type != SftpPacketType.Stat) return null;
            var raw = new byte[9];
            BinaryPrimitives.WriteUInt32BigEndian(raw, 64 * 1024 * 1024);
            raw[4] = SftpPacketType.Attrs;
            BinaryPrimitives.WriteUInt32BigEndian(raw.AsSpan(5), id);
            return raw;
        });
        await using (sftp)
        {
            var e = await Assert.ThrowsAsync<SshProtocolException>(() => sftp.StatAsync("/f").WaitAsync(Timeout));
            Assert.Contains("exceeds the limit", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task DataLongerThanTheReadIsAProtocolError()
    {
        var (sftp, _, _) = await StartAsync(new byte[100], hostile: (type, id) => type == SftpPacketType.Read
            ? InMemorySftpServer.Frame(w => new SftpData(id, new byte[70_000]).Write(w))
            : null);
        await using (sftp)
        {
            await Assert.ThrowsAsync<SshProtocolException>(() => sftp.DownloadAsync("/f", new MemoryStream()).WaitAsync(Timeout));
        }
    }

    [Fact]
    public async Task ServerGoingAwayFailsPendingRequests()
    {
        var (client, server) = DuplexStream.CreatePair();
        var s = new InMemorySftpServer(server, []) { Hostile = (type, _) => type == SftpPacketType.Stat ? throw new IOException("gone") : null };
        _ = Task.Run(async () =>
        {
            await s.RunAsync();
            await server.DisposeAsync();
        });
        await using var sftp = await SftpClient.OpenAsync(client).WaitAsync(Timeout);
        var e = await Assert.ThrowsAnyAsync<SshException>(() => sftp.StatAsync("/f").WaitAsync(Timeout));
        Assert.Equal("Connection closed", e.Message);
    }
}
