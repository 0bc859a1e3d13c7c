using System.Buffers;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Sftp;

/// <summary>Parses the reply to one request from its fields after the request id; throws <see cref="SftpException"/> for an error status.</summary>
internal delegate T SftpReplyParser<T>(byte type, uint id, ref SshReader body);

/// <summary>A request waiting for its reply, keyed by request id in the client's table.</summary>
internal abstract class SftpPending
{
    /// <summary>Receive loop: the reply has come; <paramref name="body"/> is what follows the request id.</summary>
    public abstract void Complete(byte type, uint id, ReadOnlySpan<byte> body);

    /// <summary>The session failed before the reply came.</summary>
    public abstract void Fail(Exception error);

    /// <summary>
    /// Called on the receive loop once the reply (or the failure) is in the task: wakes a transfer
    /// blocked on a thread of its own (<see cref="SftpTransferWaits"/>) without a thread-pool hop.
    /// </summary>
    public Action? Answered { get; init; }
}

/// <summary>A reply parsed by <see cref="SftpReplyParser{T}"/> into a task's result.</summary>
internal sealed class SftpPending<T>(SftpReplyParser<T> parser) : SftpPending
{
    private readonly TaskCompletionSource<T> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<T> Task => _reply.Task;

    public override void Complete(byte type, uint id, ReadOnlySpan<byte> body)
    {
        var reader = new SshReader(body);
        T value;
        try
        {
            value = parser(type, id, ref reader);
        }
        catch (SftpException e)
        {
            _reply.TrySetException(e);
            Answered?.Invoke();
            return;
        }
        _reply.TrySetResult(value);
        Answered?.Invoke();
    }

    public override void Fail(Exception error)
    {
        _reply.TrySetException(error);
        Answered?.Invoke();
    }
}

/// <summary>
/// An SSH_FXP_READ in flight: the DATA reply is copied straight from the channel's buffer into
/// <see cref="Buffer"/> (rented by the caller); the result is the byte count, 0 at end of file.
/// </summary>
internal sealed class SftpPendingRead(byte[] buffer, int length) : SftpPending
{
    private readonly TaskCompletionSource<int> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public byte[] Buffer { get; } = buffer;
    public int Requested { get; } = length;
    public long Offset { get; init; }
    public Task<int> Task => _reply.Task;

    /// <summary>Receive loop: the data of a DATA reply, possibly in several segments.</summary>
    public void CompleteData(ReadOnlySequence<byte> data)
    {
        if (data.Length > Requested) throw new SshProtocolException($"sftp: DATA of {data.Length} bytes for a read of {Requested}");
        data.CopyTo(Buffer);
        _reply.TrySetResult((int)data.Length);
        Answered?.Invoke();
    }

    public override void Complete(byte type, uint id, ReadOnlySpan<byte> body)
    {
        var reader = new SshReader(body);
        if (type == SftpPacketType.Data)
        {
            var data = reader.ReadString(SftpLimitsDefaults.MaxIncomingPacket);
            reader.EnsureEnd();
            CompleteData(new ReadOnlySequence<byte>(data.ToArray()));
            return;
        }
        var status = SftpReplies.ExpectStatus(type, id, ref reader, "READ");
        if (status.Code == SftpStatusCode.Eof) _reply.TrySetResult(0);
        else _reply.TrySetException(status.ToException());
        Answered?.Invoke();
    }

    public override void Fail(Exception error)
    {
        _reply.TrySetException(error);
        Answered?.Invoke();
    }
}

/// <summary>The parsers for each kind of reply.</summary>
internal static class SftpReplies
{
    public static SftpStatus ExpectStatus(byte type, uint id, ref SshReader r, string what)
    {
        if (type != SftpPacketType.Status) throw Unexpected(type, what);
        var status = SftpStatus.ReadBody(ref r, id);
        r.EnsureEnd();
        return status;
    }

    public static bool Ok(byte type, uint id, ref SshReader r)
    {
        var status = ExpectStatus(type, id, ref r, "request");
        if (status.Code != SftpStatusCode.Ok) throw status.ToException();
        return true;
    }

    public static byte[] Handle(byte type, uint id, ref SshReader r)
    {
        if (type == SftpPacketType.Status) throw ErrorStatus(id, ref r);
        if (type != SftpPacketType.Handle) throw Unexpected(type, "OPEN");
        var handle = r.ReadString(SftpWire.MaxHandle).ToArray();
        r.EnsureEnd();
        return handle;
    }

    public static SftpAttributes Attrs(byte type, uint id, ref SshReader r)
    {
        if (type == SftpPacketType.Status) throw ErrorStatus(id, ref r);
        if (type != SftpPacketType.Attrs) throw Unexpected(type, "STAT");
        var attrs = SftpAttributes.Read(ref r);
        r.EnsureEnd();
        return attrs;
    }

    /// <summary>NAME entries; null for the EOF status that ends a READDIR.</summary>
    public static IReadOnlyList<SftpDirectoryEntry>? Names(byte type, uint id, ref SshReader r)
    {
        if (type == SftpPacketType.Status)
        {
            var status = SftpStatus.ReadBody(ref r, id);
            if (status.Code == SftpStatusCode.Eof) return null;
            throw status.ToException();
        }
        if (type != SftpPacketType.Name) throw Unexpected(type, "READDIR");
        var name = SftpName.ReadBody(ref r, id);
        r.EnsureEnd();
        return name.Entries;
    }

    public static byte[] Extended(byte type, uint id, ref SshReader r)
    {
        if (type == SftpPacketType.Status) throw ErrorStatus(id, ref r);
        if (type != SftpPacketType.ExtendedReply) throw Unexpected(type, "EXTENDED");
        return r.RemainingSpan.ToArray();
    }

    private static SftpException ErrorStatus(uint id, ref SshReader r)
    {
        var status = SftpStatus.ReadBody(ref r, id);
        // An OK status where data was due is still a failure of the request.
        return status.Code == SftpStatusCode.Ok ? new SftpException(SftpStatusCode.Failure, "unexpected OK status") : status.ToException();
    }

    private static SshProtocolException Unexpected(byte type, string what) => new($"sftp: unexpected reply type {type} to {what}");
}
