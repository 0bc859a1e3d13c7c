using System.IO.Pipelines;

namespace Hop.Ssh.Connection;

/// <summary>A write-only Stream into a channel (stdin of a session); disposing it sends EOF.</summary>
internal sealed class ChannelWriteStream(SshChannel channel) : UnseekableStream
{
    private bool _disposed;

    public override bool CanRead => false;
    public override bool CanWrite => !_disposed;

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return channel.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Blocks the calling thread until sent (see <see cref="SshChannel.Write"/>): for a thread of the caller's own.</summary>
    public override void Write(byte[] buffer, int offset, int count)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        channel.Write(buffer.AsMemory(offset, count));
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            await channel.SendEofAsync().ConfigureAwait(false);
        }
        catch (SshException)
        {
            // The channel or connection is gone already.
        }
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            ChannelBackground.Run(channel.SendEofAsync());
        }
        base.Dispose(disposing);
    }
}

/// <summary>
/// A Stream over a whole channel, as a socket: reads its data, writes to it. Disposing closes the
/// channel; <see cref="SshChannel.SendEofAsync"/> half-closes it.
/// </summary>
internal sealed class ChannelDuplexStream(SshChannel channel) : UnseekableStream
{
    private readonly Stream _reader = channel.Output.AsStream(leaveOpen: true);
    private bool _disposed;

    public override bool CanRead => !_disposed;
    public override bool CanWrite => !_disposed;

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => _reader.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => _reader.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => _reader.Read(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return channel.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
        => throw new NotSupportedException("a channel is written asynchronously: use WriteAsync");

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override void Flush() { }

    public override async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await channel.DisposeAsync().ConfigureAwait(false);
        await _reader.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            ChannelBackground.Run(channel.DisposeAsync());
            _reader.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>Runs a send whose outcome nobody waits for, observing its errors.</summary>
internal static class ChannelBackground
{
    public static void Run(ValueTask pending)
    {
        if (pending.IsCompletedSuccessfully) return;
        TaskFaults.Observe(pending.AsTask());
    }
}
