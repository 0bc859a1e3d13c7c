using System.Buffers.Binary;
using System.IO.Pipelines;
using Hop.Ssh.Sftp;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Tests.Sftp;

/// <summary>A duplex in-memory stream: what one side writes, the other reads.</summary>
internal sealed class DuplexStream(Stream read, Stream write) : Stream
{
    public static (DuplexStream Client, DuplexStream Server) CreatePair()
    {
        var a = new Pipe();
        var b = new Pipe();
        return (new DuplexStream(a.Reader.AsStream(), b.Writer.AsStream()), new DuplexStream(b.Reader.AsStream(), a.Writer.AsStream()));
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() => write.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => write.FlushAsync(cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => read.Read(buffer, offset, count);
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => read.ReadAsync(buffer, cancellationToken);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => write.Write(buffer, offset, count);
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => write.WriteAsync(buffer, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            read.Dispose();
            write.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>
/// A minimal SFTP v3 server over one in-memory file ("/f"), for unit tests: READs are answered
/// with at most <see cref="MaxReadReply"/> bytes (short reads on purpose), and a hook can replace
/// any reply to play a hostile server.
/// </summary>
internal sealed class InMemorySftpServer
{
    private readonly Stream _stream;
    private byte[] _file;
    private byte[] _written = [];

    public InMemorySftpServer(Stream stream, byte[] file)
    {
        _stream = stream;
        _file = file;
    }

    public int MaxReadReply { get; init; } = int.MaxValue;

    /// <summary>Returns raw bytes to send instead of the normal reply to a request of this type, or null.</summary>
    public Func<byte, uint, byte[]?>? Hostile { get; init; }

    public byte[] Written => _written;

    public async Task RunAsync()
    {
        var header = new byte[4];
        try
        {
            while (true)
            {
                await _stream.ReadExactlyAsync(header);
                var body = new byte[BinaryPrimitives.ReadUInt32BigEndian(header)];
                await _stream.ReadExactlyAsync(body);
                await _stream.WriteAsync(Handle(body));
                await _stream.FlushAsync();
            }
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ObjectDisposedException)
        {
            // The client went away.
        }
    }

    private byte[] Handle(byte[] body)
    {
        var r = new SshReader(body);
        byte type = body[0];
        if (type == SftpPacketType.Init)
        {
            return Frame(w => new SftpVersion(3, [new(SftpExtensionNames.PosixRename, "1")]).Write(w));
        }
        uint id = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1));
        if (Hostile?.Invoke(type, id) is { } raw) return raw;
        switch (type)
        {
            case SftpPacketType.Open:
            {
                var open = SftpOpenRequest.Read(ref r);
                if (open.Path != "/f") return Frame(w => new SftpStatus(id, SftpStatusCode.NoSuchFile, "No such file", "").Write(w));
                if ((open.Flags & SftpOpenFlags.Truncate) != 0) _written = [];
                return Frame(w => new SftpHandle(id, "h1"u8.ToArray()).Write(w));
            }
            case SftpPacketType.Stat or SftpPacketType.Lstat:
                return Frame(w => new SftpAttrsReply(id, new SftpAttributes { Size = (ulong)_file.Length, Permissions = 0x81A4 }).Write(w));
            case SftpPacketType.Read:
            {
                var read = SftpReadRequest.Read(ref r);
                if (read.Offset >= (ulong)_file.Length) return Frame(w => new SftpStatus(id, SftpStatusCode.Eof, "EOF", "").Write(w));
                int n = (int)Math.Min(Math.Min(read.Length, (uint)MaxReadReply), (ulong)_file.Length - read.Offset);
                var data = _file.AsMemory((int)read.Offset, n);
                return Frame(w => new SftpData(id, data).Write(w));
            }
            case SftpPacketType.Write:
            {
                var write = SftpWriteRequest.Read(ref r);
                long end = (long)write.Offset + write.Data.Length;
                if (_written.Length < end) Array.Resize(ref _written, (int)end);
                write.Data.Span.CopyTo(_written.AsSpan((int)write.Offset));
                return Ok(id);
            }
            default:
                return Ok(id);
        }
    }

    private static byte[] Ok(uint id) => Frame(w => new SftpStatus(id, SftpStatusCode.Ok, "Success", "").Write(w));

    public delegate void BodyWriter(SshWriter w);

    public static byte[] Frame(BodyWriter write)
    {
        using var buffer = new SshBuffer();
        write(buffer.Writer);
        var frame = new byte[4 + buffer.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)buffer.Length);
        buffer.WrittenSpan.CopyTo(frame.AsSpan(4));
        return frame;
    }
}
