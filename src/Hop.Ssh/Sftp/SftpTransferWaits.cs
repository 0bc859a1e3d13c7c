namespace Hop.Ssh.Sftp;

/// <summary>
/// How a transfer loop waits. <see cref="Awaiting"/>: it awaits, and resumes on thread-pool threads.
/// <see cref="Blocking"/>: it runs on a thread of its own, which blocks instead, so that every await
/// of the loop completes at once and the loop never leaves that thread; the receive loop wakes it
/// directly for each reply (<see cref="SftpPending.Answered"/>), and the channel's blocking write
/// for each WINDOW_ADJUST. An awaited reply resumes on a thread-pool thread, and the pool wakes
/// another worker or two on the way: a 1 GiB upload made 40,000 context switches where the
/// blocking loop makes 18,000 (and spent a tenth more CPU), a 1 GiB download 24,000 where it makes
/// 10,000. The blocking loop is for large files; a small one is a few round trips, not worth a thread.
/// </summary>
internal sealed class SftpTransferWaits
{
    // Never disposed: a reply may still come after the loop gave up (it allocates no kernel handle).
    private readonly ManualResetEventSlim? _answered;

    private SftpTransferWaits(ManualResetEventSlim? answered)
    {
        _answered = answered;
        Answered = answered is null ? null : answered.Set;
    }

    public static SftpTransferWaits Awaiting { get; } = new(null);

    /// <summary>For one transfer on a thread of its own.</summary>
    public static SftpTransferWaits Blocking() => new(new ManualResetEventSlim(false, spinCount: 0));

    /// <summary>For the loop's requests (<see cref="SftpPending.Answered"/>): null when awaiting.</summary>
    public Action? Answered { get; }

    public ValueTask SendAsync(SftpClient client, ReadOnlyMemory<byte> packets, CancellationToken cancellationToken)
    {
        if (_answered is null) return client.SendAsync(packets, cancellationToken);
        client.SendBlocking(packets, cancellationToken);
        return ValueTask.CompletedTask;
    }

    /// <summary>The reply's result (or its exception); when blocking, the task must come from a request registered with <see cref="Answered"/>.</summary>
    public async ValueTask<T> ReplyAsync<T>(Task<T> reply, CancellationToken cancellationToken)
    {
        if (_answered is null) return await reply.WaitAsync(cancellationToken).ConfigureAwait(false);
        while (!reply.IsCompleted)
        {
            _answered.Reset();
            if (reply.IsCompleted) break;
            _answered.Wait(cancellationToken);
        }
        return await reply.ConfigureAwait(false);
    }

    public ValueTask<int> ReadAsync(Stream source, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (!InPlace(source)) return source.ReadAsync(buffer, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(source.Read(buffer.Span));
    }

    public ValueTask WriteAsync(Stream destination, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (!InPlace(destination)) return destination.WriteAsync(data, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        destination.Write(data.Span);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The local side of the transfer is read or written in place when blocking, and when it is a
    /// <see cref="FileStream"/> opened for synchronous I/O: its ReadAsync and WriteAsync queue the
    /// call to the thread pool and wake a worker for it, a hand-off per chunk that costs more than
    /// the copy (a page-cache read of 255 KiB), on a thread that would block on it all the same.
    /// </summary>
    private bool InPlace(Stream stream) => _answered is not null || stream is FileStream { IsAsync: false };

    /// <summary>Runs <paramref name="loop"/> awaited, or, when <paramref name="ownThread"/>, blocking on a new thread.</summary>
    public static Task<long> RunAsync(Func<SftpTransferWaits, Task<long>> loop, bool ownThread, CancellationToken cancellationToken)
    {
        if (!ownThread) return loop(Awaiting);
        return Task.Factory.StartNew(() => loop(Blocking()).GetAwaiter().GetResult(),
            cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }
}
