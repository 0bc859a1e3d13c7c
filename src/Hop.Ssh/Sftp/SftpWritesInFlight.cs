using System.Runtime.ExceptionServices;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Sftp;

/// <summary>
/// The WRITEs of one upload that await their status, for an uploader on a thread of its own: the
/// receive loop checks each status as it comes and wakes the uploader directly. (An awaited reply,
/// or WINDOW_ADJUST, resumes on a thread-pool thread, and the pool wakes another worker or two on
/// the way: a 1 GiB upload made 40,000 context switches where this makes 18,000, and spent a tenth
/// more CPU.)
/// </summary>
internal sealed class SftpWritesInFlight
{
    // Never disposed: a reply may still come after the uploader gave up (it allocates no handle).
    private readonly ManualResetEventSlim _answered = new(false, spinCount: 0);
    private int _count;
    private Exception? _error;

    /// <summary>A reply slot for one more WRITE, to register under its request id.</summary>
    public SftpPending Add()
    {
        Interlocked.Increment(ref _count);
        return new Reply(this);
    }

    /// <summary>
    /// Blocks until fewer than <paramref name="limit"/> WRITEs are unanswered (0: all answered);
    /// throws the first error a reply brought.
    /// </summary>
    public void WaitBelow(int limit, CancellationToken cancellationToken)
    {
        while (true)
        {
            _answered.Reset();
            if (Volatile.Read(ref _error) is { } error) ExceptionDispatchInfo.Throw(error);
            if (Volatile.Read(ref _count) < Math.Max(limit, 1)) return;
            _answered.Wait(cancellationToken);
        }
    }

    private void Answer(Exception? error)
    {
        if (error is not null) Interlocked.CompareExchange(ref _error, error, null);
        Interlocked.Decrement(ref _count);
        _answered.Set();
    }

    private sealed class Reply(SftpWritesInFlight owner) : SftpPending
    {
        public override void Complete(byte type, uint id, ReadOnlySpan<byte> body)
        {
            var reader = new SshReader(body);
            try
            {
                SftpReplies.Ok(type, id, ref reader);
            }
            catch (SftpException e)
            {
                owner.Answer(e);
                return;
            }
            owner.Answer(null);
        }

        // A reply that breaks the protocol throws out of Complete; the receive loop then fails it here.
        public override void Fail(Exception error) => owner.Answer(error);
    }
}
