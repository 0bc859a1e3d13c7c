namespace Hop.Ssh.Connection;

/// <summary>
/// An auto-reset signal for a writer waiting for WINDOW_ADJUST: awaited without blocking a thread
/// (<see cref="WaitAsync"/>), or waited on by a thread of the caller's own (<see cref="Wait"/>),
/// which <see cref="Set"/> then wakes directly. The lock guards a few fields only and is never held
/// across a wait.
/// </summary>
internal sealed class AsyncSignal
{
    private readonly Lock _lock = new();
    private bool _set;
    private TaskCompletionSource? _waiter;
    private ManualResetEventSlim? _blockedWaiter;
    private bool _blocked;
    private Exception? _fault;

    public void Set()
    {
        TaskCompletionSource? waiter;
        bool blocked;
        lock (_lock)
        {
            waiter = _waiter;
            _waiter = null;
            blocked = _blocked;
            _blocked = false;
            if (waiter is null && !blocked) _set = true;
        }
        waiter?.TrySetResult();
        if (blocked) _blockedWaiter!.Set();
    }

    /// <summary>Wakes the waiter with <paramref name="error"/> and fails every later wait.</summary>
    public void Fault(Exception error)
    {
        TaskCompletionSource? waiter;
        bool blocked;
        lock (_lock)
        {
            _fault ??= error;
            waiter = _waiter;
            _waiter = null;
            blocked = _blocked;
            _blocked = false;
        }
        waiter?.TrySetException(error);
        if (blocked) _blockedWaiter!.Set();
    }

    /// <summary>
    /// Blocks the calling thread until <see cref="Set"/> or <see cref="Fault"/>; one blocking
    /// waiter at a time (a channel's own writer thread).
    /// </summary>
    public void Wait(CancellationToken cancellationToken)
    {
        ManualResetEventSlim ev;
        lock (_lock)
        {
            if (_fault is not null) throw _fault;
            if (_set)
            {
                _set = false;
                return;
            }
            ev = _blockedWaiter ??= new ManualResetEventSlim(false, spinCount: 0);
            ev.Reset();
            _blocked = true;
        }
        try
        {
            ev.Wait(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            lock (_lock)
            {
                // A Set that came after the cancellation is kept for the next wait.
                if (_blocked) _blocked = false;
                else if (_fault is null) _set = true;
            }
            throw;
        }
        lock (_lock)
        {
            if (_fault is not null) throw _fault;
        }
    }

    public Task WaitAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_fault is not null) return Task.FromException(_fault);
            if (_set)
            {
                _set = false;
                return Task.CompletedTask;
            }
            _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return cancellationToken.CanBeCanceled ? _waiter.Task.WaitAsync(cancellationToken) : _waiter.Task;
        }
    }
}
