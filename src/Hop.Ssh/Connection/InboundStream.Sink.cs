namespace Hop.Ssh.Connection;

/// <summary>
/// The stream's other path, when it was given an <see cref="IChannelDataSink"/>: data is written to
/// the sink when the receive loop runs out of received packets (or the batch fills), on that loop's
/// thread, and the window is granted back as each write returns. One packet per socket read (the
/// usual case in a bulk transfer) is written straight from the transport's receive buffer, which
/// stays as it is until that flush; several are copied into one batch and written together.
/// </summary>
internal sealed partial class InboundStream
{
    private readonly IChannelDataSink? _sink;
    private readonly Lock _sinkLock = new();
    private readonly TaskCompletionSource _sinkDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ReadOnlyMemory<byte> _held;
    private byte[]? _batch;
    private int _batched;
    private bool _sinkFailed;
    private bool _sinkCompleted;

    /// <summary>
    /// With a sink: completes once the stream has ended and everything delivered has been written
    /// (or dropped after the sink failed); faults with the error that ended the channel. Without a
    /// sink it is complete from the start.
    /// </summary>
    public Task Written => _sink is null ? Task.CompletedTask : _sinkDone.Task;

    private void DeliverToSink(ReadOnlyMemory<byte> data)
    {
        if (data.IsEmpty) return;
        lock (_sinkLock)
        {
            if (_sinkFailed || _sinkCompleted || _readerDone)
            {
                _channel.OnConsumed(data.Length);
                return;
            }
            if (_held.IsEmpty && _batched == 0 && _channel.Connection.DeliveriesStayUntilFlushed)
            {
                _held = data;
            }
            else
            {
                var held = _held;
                _held = default;
                AppendToBatch(held.Span);
                AppendToBatch(data.Span);
            }
        }
        QueueFlush();
    }

    /// <summary>Under <see cref="_sinkLock"/>: copies into the batch, writing it each time it fills.</summary>
    private void AppendToBatch(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_sinkFailed)
            {
                _channel.OnConsumed(data.Length);
                return;
            }
            _batch ??= new byte[FlushThreshold];
            int n = Math.Min(data.Length, _batch.Length - _batched);
            data[..n].CopyTo(_batch.AsSpan(_batched));
            _batched += n;
            data = data[n..];
            if (_batched == _batch.Length) WriteBatch();
        }
    }

    private void FlushSink()
    {
        lock (_sinkLock) WriteBatch();
    }

    private void CompleteSink(Exception? error)
    {
        lock (_sinkLock)
        {
            if (_sinkCompleted) return;
            // What arrived before the end (even a failed one) is still written.
            WriteBatch();
            _sinkCompleted = true;
            _batch = null;
        }
        if (error is null) _sinkDone.TrySetResult();
        else _sinkDone.TrySetException(error);
    }

    /// <summary>Under <see cref="_sinkLock"/>: writes the held slice or the batch (unless the sink failed) and grants its bytes back.</summary>
    private void WriteBatch()
    {
        var data = _held.IsEmpty ? _batch.AsMemory(0, _batched) : _held;
        if (data.IsEmpty) return;
        _held = default;
        _batched = 0;
        if (!_sinkFailed)
        {
            try
            {
                _sink!.Write(data.Span);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                _sinkFailed = true;
                _channel.OnSinkFailed(this);
            }
        }
        _channel.OnConsumed(data.Length);
    }
}
