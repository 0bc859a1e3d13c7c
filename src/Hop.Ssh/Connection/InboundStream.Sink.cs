namespace Hop.Ssh.Connection;

/// <summary>
/// The stream's other path, when it was given an <see cref="IChannelDataSink"/>: data is written to
/// the sink when the receive loop runs out of received packets (or the batch fills), on that loop's
/// thread, and the window is granted back for what the sink took. One packet per socket read (the
/// usual case in a bulk transfer) is written straight from the transport's receive buffer, which
/// stays as it is until that flush; several are copied into one batch and written together. What
/// the destination cannot take at once is copied aside and written by <see cref="DrainAsync"/> off
/// the receive loop; later data queues behind it, and its window stays closed until it is written,
/// so the queue never holds more than the window we granted.
/// </summary>
internal sealed partial class InboundStream
{
    private readonly IChannelDataSink? _sink;
    private readonly Lock _sinkLock = new();
    private readonly TaskCompletionSource _sinkDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ReadOnlyMemory<byte> _held;
    private byte[]? _batch;
    private int _batched;
    private byte[]? _queued;
    private int _queuedLength;
    private byte[]? _spare;
    private bool _draining;
    private bool _sinkFailed;
    private bool _sinkCompleted;
    private Exception? _sinkError;

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
            _sinkError = error;
            _batch = null;
            // The drain finishes the stream once the queue is written.
            if (_draining) return;
        }
        FinishSink();
    }

    private void FinishSink()
    {
        if (_sinkError is null) _sinkDone.TrySetResult();
        else _sinkDone.TrySetException(_sinkError);
    }

    /// <summary>
    /// Under <see cref="_sinkLock"/>: writes the held slice or the batch (unless the sink failed) and
    /// grants back what the sink took; the rest joins the queue, as does everything while it drains.
    /// </summary>
    private void WriteBatch()
    {
        var data = _held.IsEmpty ? _batch.AsMemory(0, _batched) : _held;
        if (data.IsEmpty) return;
        _held = default;
        _batched = 0;
        if (_sinkFailed)
        {
            _channel.OnConsumed(data.Length);
            return;
        }
        if (_draining)
        {
            Enqueue(data.Span);
            return;
        }
        int written;
        try
        {
            written = _sink!.Write(data.Span);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            FailSink();
            _channel.OnConsumed(data.Length);
            return;
        }
        if ((uint)written > (uint)data.Length) throw new InvalidOperationException($"a channel sink reported {written} bytes written of {data.Length}");
        _channel.OnConsumed(written);
        if (written == data.Length) return;
        Enqueue(data.Span[written..]);
        _draining = true;
        _ = Task.Run(DrainAsync);
    }

    /// <summary>Under <see cref="_sinkLock"/>: copies behind what already waits for <see cref="DrainAsync"/>.</summary>
    private void Enqueue(ReadOnlySpan<byte> data)
    {
        int needed = _queuedLength + data.Length;
        if (_queued is null || _queued.Length < needed)
        {
            var grown = new byte[Math.Max(needed, Math.Max(64 * 1024, 2 * (_queued?.Length ?? 0)))];
            _queued?.AsSpan(0, _queuedLength).CopyTo(grown);
            _queued = grown;
        }
        data.CopyTo(_queued.AsSpan(_queuedLength));
        _queuedLength = needed;
    }

    /// <summary>Writes the queue with the sink's <see cref="IChannelDataSink.WriteAsync"/> until it is empty, granting each part back as it goes.</summary>
    private async Task DrainAsync()
    {
        while (true)
        {
            byte[]? chunk = null;
            int length = 0;
            bool finish = false;
            lock (_sinkLock)
            {
                if (_queuedLength == 0 || _sinkFailed)
                {
                    _draining = false;
                    finish = _sinkCompleted;
                }
                else
                {
                    chunk = _queued!;
                    length = _queuedLength;
                    _queued = _spare;
                    _spare = null;
                    _queuedLength = 0;
                }
            }
            if (chunk is null)
            {
                if (finish) FinishSink();
                return;
            }
            bool failed = false;
            try
            {
                await _sink!.WriteAsync(chunk.AsMemory(0, length)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
            {
                failed = true;
            }
            lock (_sinkLock)
            {
                _spare = chunk;
                if (failed) FailSink();
            }
            _channel.OnConsumed(length);
        }
    }

    /// <summary>Under <see cref="_sinkLock"/>: the destination is gone; what waits in the queue is dropped and granted back.</summary>
    private void FailSink()
    {
        _sinkFailed = true;
        int dropped = _queuedLength;
        _queuedLength = 0;
        if (dropped > 0) _channel.OnConsumed(dropped);
        _channel.OnSinkFailed(this);
    }
}
