using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Hop.Ssh.Connection;

/// <summary>
/// One inbound stream of a channel (data or extended data): a <see cref="Pipe"/> the receive loop
/// writes into (the one copy), and a reader that reports what the consumer has consumed so the
/// channel can grant the window back. What it buffers never exceeds the window we granted.
/// </summary>
internal sealed class InboundStream
{
    private readonly Pipe _pipe = new(new PipeOptions(
        pauseWriterThreshold: 0, resumeWriterThreshold: 0, minimumSegmentSize: 16 * 1024, useSynchronizationContext: false));
    private readonly SshChannel _channel;
    private long _buffered;
    private volatile bool _readerDone;
    private bool _writerDone;

    public InboundStream(SshChannel channel)
    {
        _channel = channel;
        Reader = new ChannelPipeReader(_pipe.Reader, this);
    }

    public ChannelPipeReader Reader { get; }

    /// <summary>Receive loop only: copies <paramref name="data"/> in for the reader.</summary>
    public void Deliver(ReadOnlySpan<byte> data)
    {
        if (_readerDone || _writerDone)
        {
            _channel.OnConsumed(data.Length);
            return;
        }
        var writer = _pipe.Writer;
        data.CopyTo(writer.GetSpan(data.Length));
        writer.Advance(data.Length);
        Interlocked.Add(ref _buffered, data.Length);
        var flush = writer.FlushAsync();
        if (!flush.IsCompleted) _ = flush.AsTask();
        if (_readerDone) CreditAbandoned();
    }

    /// <summary>Receive loop (or failure): no more data will come; <paramref name="error"/> is raised to the reader.</summary>
    public void Complete(Exception? error = null)
    {
        if (_writerDone) return;
        _writerDone = true;
        _pipe.Writer.Complete(error);
    }

    internal void OnConsumed(long count)
    {
        Interlocked.Add(ref _buffered, -count);
        _channel.OnConsumed(count);
    }

    internal void OnReaderCompleted()
    {
        _readerDone = true;
        CreditAbandoned();
    }

    private void CreditAbandoned()
    {
        long n = Interlocked.Exchange(ref _buffered, 0);
        if (n > 0) _channel.OnConsumed(n);
    }
}

/// <summary>A <see cref="PipeReader"/> that counts consumed bytes for the channel's window.</summary>
internal sealed class ChannelPipeReader : PipeReader
{
    private readonly PipeReader _inner;
    private readonly InboundStream _owner;
    private ReadOnlySequence<byte> _last;

    public ChannelPipeReader(PipeReader inner, InboundStream owner)
    {
        _inner = inner;
        _owner = owner;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        long n = _last.Slice(_last.Start, consumed).Length;
        _last = default;
        _inner.AdvanceTo(consumed, examined);
        if (n > 0) _owner.OnConsumed(n);
    }

    public override void CancelPendingRead() => _inner.CancelPendingRead();

    public override void Complete(Exception? exception = null)
    {
        _inner.Complete(exception);
        _owner.OnReaderCompleted();
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        var pending = _inner.ReadAsync(cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            var result = pending.Result;
            _last = result.Buffer;
            return new ValueTask<ReadResult>(result);
        }
        return Awaited(pending);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> Awaited(ValueTask<ReadResult> pending)
    {
        var result = await pending.ConfigureAwait(false);
        _last = result.Buffer;
        return result;
    }

    public override bool TryRead(out ReadResult result)
    {
        if (!_inner.TryRead(out result)) return false;
        _last = result.Buffer;
        return true;
    }
}
