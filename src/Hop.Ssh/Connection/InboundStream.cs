using System.IO.Pipelines;

namespace Hop.Ssh.Connection;

/// <summary>
/// One inbound stream of a channel (data or extended data): a <see cref="Pipe"/> the receive loop
/// writes into (the one copy), and a reader that reports what the consumer has consumed so the
/// channel can grant the window back. What it buffers never exceeds the window we granted. Given
/// an <see cref="IChannelDataSink"/>, the stream writes to that instead (InboundStream.Sink.cs).
/// </summary>
internal sealed partial class InboundStream
{
    /// <summary>
    /// Data waiting unflushed beyond this is flushed at once. Below it, the receive loop flushes
    /// when it runs out of received packets, so the consumer (which runs inline, on that loop's
    /// thread) takes many packets per read: one stdout write per batch, not per 32 KiB packet.
    /// </summary>
    private const int FlushThreshold = 256 * 1024;

    private readonly Pipe _pipe = new(new PipeOptions(
        readerScheduler: PipeScheduler.Inline, pauseWriterThreshold: 0, resumeWriterThreshold: 0, minimumSegmentSize: FlushThreshold, useSynchronizationContext: false));
    private readonly SshChannel _channel;
    private long _buffered;
    private int _unflushed;
    private bool _flushQueued;
    private volatile bool _readerDone;
    private bool _writerDone;

    public InboundStream(SshChannel channel, IChannelDataSink? sink = null)
    {
        _channel = channel;
        _sink = sink;
        Reader = new ChannelPipeReader(_pipe.Reader, this);
    }

    public ChannelPipeReader Reader { get; }

    /// <summary>
    /// Receive loop only: copies <paramref name="memory"/> in for the reader. It becomes visible on
    /// <see cref="Flush"/>, which the connection calls before the receive loop waits for the socket.
    /// </summary>
    public void Deliver(ReadOnlyMemory<byte> memory)
    {
        if (_sink is not null)
        {
            DeliverToSink(memory);
            return;
        }
        var data = memory.Span;
        if (_readerDone || _writerDone)
        {
            _channel.OnConsumed(data.Length);
            return;
        }
        var writer = _pipe.Writer;
        data.CopyTo(writer.GetSpan(data.Length));
        writer.Advance(data.Length);
        Interlocked.Add(ref _buffered, data.Length);
        QueueFlush();
        _unflushed += data.Length;
        if (_unflushed >= FlushThreshold) Flush();
        if (_readerDone) CreditAbandoned();
    }

    /// <summary>Receive loop only: the connection's deferred flush.</summary>
    public void FlushQueued()
    {
        _flushQueued = false;
        if (_sink is not null) FlushSink();
        else Flush();
    }

    private void QueueFlush()
    {
        if (_flushQueued) return;
        _flushQueued = true;
        _channel.Connection.FlushLater(this);
    }

    /// <summary>Receive loop only: hands what <see cref="Deliver"/> wrote to the reader.</summary>
    private void Flush()
    {
        if (_unflushed == 0 || _writerDone) return;
        _unflushed = 0;
        var flush = _pipe.Writer.FlushAsync();
        if (!flush.IsCompleted) _ = flush.AsTask();
    }

    /// <summary>Receive loop (or failure): no more data will come; <paramref name="error"/> is raised to the reader.</summary>
    public void Complete(Exception? error = null)
    {
        if (_sink is not null) CompleteSink(error);
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
