namespace Hop.Ssh;

/// <summary>For tasks nobody may await: their fault is observed, so it never surfaces as an unobserved exception.</summary>
internal static class TaskFaults
{
    /// <summary>
    /// Observes <paramref name="task"/>'s fault. Only a faulted task runs the continuation, so a task
    /// that succeeds queues nothing: a plain ContinueWith would cost a thread-pool work item (and a
    /// worker woken to run it) for every channel, command and connection that ends well.
    /// </summary>
    public static void Observe(Task task)
        => task.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
