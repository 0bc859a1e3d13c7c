using Hop.Ssh.Connection;

namespace Hop.Ssh.Tests.Connection;

/// <summary>The window signal's blocking wait (a stdin pump's thread) beside its awaited one.</summary>
public class AsyncSignalTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public void SetBeforeWaitIsKeptForOneWait()
    {
        var signal = new AsyncSignal();
        signal.Set();
        signal.Wait(CancellationToken.None);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        // Auto-reset: the second wait finds nothing and blocks (here: is cancelled).
        Assert.Throws<OperationCanceledException>(() => signal.Wait(cts.Token));
    }

    [Fact]
    public void SetWakesABlockedWaiter()
    {
        var signal = new AsyncSignal();
        using var waiting = new ManualResetEventSlim();
        var t = new Thread(() =>
        {
            waiting.Set();
            signal.Wait(CancellationToken.None);
        });
        t.Start();
        Assert.True(waiting.Wait(Limit));
        // Set until the waiter is through: a Set before it blocks is kept for it too.
        signal.Set();
        Assert.True(t.Join(Limit));
    }

    [Fact]
    public async Task FaultWakesABlockedWaiterWithTheErrorAndFailsLaterWaits()
    {
        var signal = new AsyncSignal();
        Exception? seen = null;
        var t = new Thread(() =>
        {
            try
            {
                signal.Wait(CancellationToken.None);
            }
            catch (SshChannelException e)
            {
                seen = e;
            }
        });
        t.Start();
        SpinWait.SpinUntil(() => t.ThreadState.HasFlag(ThreadState.WaitSleepJoin), Limit);
        var error = new SshChannelException("closed");
        signal.Fault(error);
        Assert.True(t.Join(Limit));
        Assert.Same(error, seen);
        Assert.Same(error, Assert.Throws<SshChannelException>(() => signal.Wait(CancellationToken.None)));
        Assert.Same(error, await Assert.ThrowsAsync<SshChannelException>(() => signal.WaitAsync(CancellationToken.None)));
    }

    [Fact]
    public void CancelledWaitDoesNotSwallowALaterSet()
    {
        var signal = new AsyncSignal();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        Assert.Throws<OperationCanceledException>(() => signal.Wait(cts.Token));
        signal.Set();
        // The Set after the cancelled wait is there for the next one.
        var next = signal.WaitAsync(CancellationToken.None);
        Assert.True(next.IsCompletedSuccessfully);
    }
}
