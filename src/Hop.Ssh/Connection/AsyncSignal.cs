namespace Hop.Ssh.Connection;

/// <summary>
/// An auto-reset signal awaited without blocking a thread (a writer waiting for WINDOW_ADJUST).
/// The lock guards a few fields only and is never held across an await.
/// </summary>
internal sealed class AsyncSignal
{
    private readonly Lock _lock = new();
    private bool _set;
    private TaskCompletionSource? _waiter;
    private Exception? _fault;

    public void Set()
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            waiter = _waiter;
            _waiter = null;
            if (waiter is null) _set = true;
        }
        waiter?.TrySetResult();
    }

    /// <summary>Wakes the waiter with <paramref name="error"/> and fails every later wait.</summary>
    public void Fault(Exception error)
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            _fault ??= error;
            waiter = _waiter;
            _waiter = null;
        }
        waiter?.TrySetException(error);
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
