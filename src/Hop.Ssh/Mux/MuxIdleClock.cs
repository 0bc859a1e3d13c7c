namespace Hop.Ssh.Mux;

/// <summary>
/// ControlPersist's clock for a master: how many control clients it has, and since when it has had
/// none. A client's arrival and its departure both restart the clock, so one that comes and goes
/// between two looks at the clock still counts, as ssh's master counts from its last client's exit.
/// Times are milliseconds of one monotonic clock (<see cref="Environment.TickCount64"/>).
/// </summary>
public sealed class MuxIdleClock(long now)
{
    private long _lastActive = now;
    private int _clients;
    private int _arrivals;

    /// <summary>Control clients connected now.</summary>
    public int Clients => Volatile.Read(ref _clients);

    /// <summary>Whether any client has come yet.</summary>
    public bool HadClient => Volatile.Read(ref _arrivals) > 0;

    public void ClientArrived(long now)
    {
        Interlocked.Increment(ref _arrivals);
        Interlocked.Increment(ref _clients);
        Volatile.Write(ref _lastActive, now);
    }

    public void ClientLeft(long now)
    {
        Volatile.Write(ref _lastActive, now);
        Interlocked.Decrement(ref _clients);
    }

    /// <summary>True when no client is connected and none has come or gone for <paramref name="span"/>.</summary>
    public bool IdleFor(TimeSpan span, long now) =>
        Clients == 0 && now - Volatile.Read(ref _lastActive) >= (long)span.TotalMilliseconds;
}
