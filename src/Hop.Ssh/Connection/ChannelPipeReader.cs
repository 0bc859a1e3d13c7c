using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Hop.Ssh.Connection;

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
