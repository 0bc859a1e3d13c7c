namespace Hop.Ssh.Connection;

/// <summary>
/// The stream's other path, when it was given an <see cref="IChannelDataSink"/>: data is copied into
/// one batch buffer and written to the sink when the receive loop runs out of received packets (or
/// the batch fills), on that loop's thread, and the window is granted back as each write returns.
/// </summary>
internal sealed partial class InboundStream
{
    private readonly IChannelDataSink? _sink;
    private readonly Lock _sinkLock = new();
    private readonly TaskCompletionSource _sinkDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
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

    private void DeliverToSink(ReadOnlySpan<byte> data)
    {
        lock (_sinkLock)
        {
            while (!data.IsEmpty)
            {
                if (_sinkFailed || _sinkCompleted || _readerDone)
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
        QueueFlush();
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

    /// <summary>Under <see cref="_sinkLock"/>: writes the batch (unless the sink failed) and grants its bytes back.</summary>
    private void WriteBatch()
    {
        int n = _batched;
        if (n == 0) return;
        _batched = 0;
        if (!_sinkFailed)
        {
            try
            {
                _sink!.Write(_batch.AsSpan(0, n));
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                _sinkFailed = true;
                _channel.OnSinkFailed(this);
            }
        }
        _channel.OnConsumed(n);
    }
}
