using System.Buffers.Binary;
using Hop.Ssh.Sftp;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Tests.Sftp;

/// <summary>
/// A hostile SFTP server: each reply is one of the kinds the protocol has, often the kind the request
/// expects, and often damaged (cut short, lengthened, bits flipped, a field set to an extreme) inside
/// a frame whose length is right. Every client operation then ends, within the timeout, in its result,
/// an <see cref="SftpException"/> or an <see cref="SshException"/>: never another exception (a bug of
/// the client's parsing), never a hang.
/// </summary>
public class SftpReplyFuzzTests
{
    private const int Iterations = 1000;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static readonly string[] Operations = ["stat", "realpath", "list", "download", "upload", "readlink", "statvfs", "limits", "rename"];

    [Fact]
    public async Task DamagedRepliesGiveSftpOrProtocolErrorsOnly()
    {
        var rng = new Random(20261207);
        var outcomes = new Dictionary<string, int>();
        for (int i = 0; i < Iterations; i++)
        {
            var (clientEnd, serverEnd) = DuplexStream.CreatePair();
            var server = new FuzzServer(serverEnd, new Random(rng.Next()));
            var serving = Task.Run(server.RunAsync);
            string op = Operations[rng.Next(Operations.Length)];
            Exception? error = await Record.ExceptionAsync(async () =>
            {
                await using var sftp = await SftpClient.OpenAsync(clientEnd).WaitAsync(Timeout);
                await RunAsync(sftp, op).WaitAsync(Timeout);
            });
            await clientEnd.DisposeAsync();
            await serving.WaitAsync(Timeout);
            Assert.True(Bug(error) is null, $"iteration {i} ({op}): {error}\nreplies: {string.Join(' ', server.Sent.Select(Convert.ToHexString))}");
            string outcome = error?.GetType().Name ?? "ok";
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        // Both outcomes are reached: operations that succeed and replies that are refused.
        Assert.True(outcomes.GetValueOrDefault("ok") >= Iterations / 20, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault(nameof(SshProtocolException)) >= Iterations / 20, string.Join(", ", outcomes));
    }

    /// <summary>
    /// An exception in the chain that is not the protocol's: the client wraps what fails a session
    /// (SshChannelException "Connection closed" around the cause), so the causes are looked at too.
    /// </summary>
    private static Exception? Bug(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
            if (e is not (SftpException or SshException)) return e;
        return null;
    }

    private static async Task RunAsync(SftpClient sftp, string op)
    {
        switch (op)
        {
            case "stat": await sftp.StatAsync("/f"); break;
            case "realpath": await sftp.RealPathAsync("."); break;
            case "list": await sftp.ListAsync("/d"); break;
            case "download": await sftp.DownloadAsync("/f", new MemoryStream()); break;
            case "upload": await sftp.UploadAsync(new MemoryStream(new byte[5000]), "/f"); break;
            case "readlink": await sftp.ReadLinkAsync("/l"); break;
            case "statvfs": await sftp.StatVfsAsync("/"); break;
            case "limits": await sftp.GetLimitsAsync(); break;
            default: await sftp.RenameAsync("/a", "/b"); break;
        }
    }

    /// <summary>Answers every request with a reply of a random kind, often the expected one, often damaged.</summary>
    private sealed class FuzzServer(DuplexStream stream, Random rng)
    {
        public List<byte[]> Sent { get; } = [];

        private int _reads;

        public async Task RunAsync()
        {
            var header = new byte[4];
            try
            {
                while (true)
                {
                    await stream.ReadExactlyAsync(header);
                    var body = new byte[BinaryPrimitives.ReadUInt32BigEndian(header)];
                    await stream.ReadExactlyAsync(body);
                    var reply = body[0] == SftpPacketType.Init ? Version() : Reply(body);
                    if (rng.Next(6) == 0) reply = Damage(reply);
                    Sent.Add(reply);
                    var frame = new byte[4 + reply.Length];
                    BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)reply.Length);
                    reply.CopyTo(frame, 4);
                    await stream.WriteAsync(frame);
                    await stream.FlushAsync();
                }
            }
            catch (Exception e) when (e is EndOfStreamException or IOException or ObjectDisposedException)
            {
                // The client went away.
            }
        }

        private static byte[] Version() => Body(w => new SftpVersion(3, [
            new(SftpExtensionNames.PosixRename, "1"), new(SftpExtensionNames.StatVfs, "2"), new(SftpExtensionNames.Limits, "1")]).Write(w));

        private byte[] Reply(byte[] request)
        {
            var r = new SshReader(request);
            byte type = r.ReadByte();
            uint id = r.ReadUInt32();
            string extension = type == SftpPacketType.Extended ? SftpText.Decode(r.ReadString(1024)) : "";
            byte kind = rng.Next(8) == 0 ? Kinds[rng.Next(Kinds.Length)] : Expected(type, extension);
            return kind switch
            {
                SftpPacketType.Handle => Body(w => new SftpHandle(id, "h1"u8.ToArray()).Write(w)),
                SftpPacketType.Data => Body(w => new SftpData(id, new byte[rng.Next(2) == 0 ? 100 : 0]).Write(w)),
                SftpPacketType.Name => Body(w => new SftpName(id, type is SftpPacketType.Realpath or SftpPacketType.Readlink
                    ? [new("/home/a", "", SftpAttributes.Empty)]
                    : [new("a", "-rw-r--r-- 1 root root 5 Dec 7 12:00 a", Attributes()),
                       new("dir", "drwxr-xr-x 2 root root 40 Dec 7 12:00 dir", new SftpAttributes { Permissions = 0x41ED })]).Write(w)),
                SftpPacketType.Attrs => Body(w => new SftpAttrsReply(id, Attributes()).Write(w)),
                SftpPacketType.ExtendedReply => Body(w =>
                {
                    w.WriteByte(SftpPacketType.ExtendedReply);
                    w.WriteUInt32(id);
                    if (extension == SftpExtensionNames.Limits) new SftpLimits(34000, 32768, 32768, 64).Write(w);
                    else new SftpStatVfs(4096, 4096, 1000, 500, 400, 100, 50, 40, 7, 0, 255).Write(w);
                }),
                _ => Body(w => new SftpStatus(id, rng.Next(4) == 0 ? (SftpStatusCode)rng.Next(1, 9) : SftpStatusCode.Ok, "status", "en").Write(w)),
            };
        }

        private static readonly byte[] Kinds = [SftpPacketType.Status, SftpPacketType.Handle, SftpPacketType.Data, SftpPacketType.Name, SftpPacketType.Attrs, SftpPacketType.ExtendedReply];

        /// <summary>The kind of reply a request expects; reads end with EOF after a few.</summary>
        private byte Expected(byte request, string extension) => request switch
        {
            SftpPacketType.Open or SftpPacketType.Opendir => SftpPacketType.Handle,
            SftpPacketType.Read => ++_reads > 3 ? SftpPacketType.Status : SftpPacketType.Data,
            SftpPacketType.Readdir => ++_reads > 2 ? SftpPacketType.Status : SftpPacketType.Name,
            SftpPacketType.Realpath or SftpPacketType.Readlink => SftpPacketType.Name,
            SftpPacketType.Stat or SftpPacketType.Lstat or SftpPacketType.Fstat => SftpPacketType.Attrs,
            SftpPacketType.Extended when extension != SftpExtensionNames.PosixRename => SftpPacketType.ExtendedReply,
            _ => SftpPacketType.Status,
        };

        private static SftpAttributes Attributes() => new()
        {
            Size = 5, Uid = 0, Gid = 0, Permissions = 0x81A4, AccessTime = 1_700_000_000, ModifyTime = 1_700_000_000,
            Extended = [new("x@hop.test", [1, 2, 3])],
        };

        /// <summary>
        /// Damaged after the type and request id (a reply for an unknown id is refused before it is
        /// parsed); an extreme value often in the first field after them: a status code, or the length,
        /// count or flags (handle, data, names, attributes) that the rest is read by.
        /// </summary>
        private byte[] Damage(byte[] reply) => Tests.Damage.Apply(reply, rng, keep: 5, fields: [5]);

        private static byte[] Body(InMemorySftpServer.BodyWriter write)
        {
            using var buffer = new SshBuffer();
            write(buffer.Writer);
            return buffer.WrittenSpan.ToArray();
        }
    }
}
