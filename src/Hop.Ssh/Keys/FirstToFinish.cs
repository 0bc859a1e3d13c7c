namespace Hop.Ssh.Keys;

/// <summary>
/// Runs the same randomized search on several threads at once and keeps the result that is ready
/// first. RSA key generation is a search for primes whose length is luck: on a machine with idle
/// cores, the first of two searches to finish ends well before a single one would on average.
/// The others cannot be stopped (OpenSSL's search takes no cancellation): they run on to the end
/// on background threads, and what they return is disposed. Keeping the first of n independent
/// results loses at most log2(n) bits of the result's min-entropy.
/// </summary>
internal static class FirstToFinish
{
    /// <summary>How many searches to run on this machine: one per core, at most four.</summary>
    public static int DefaultSearches => Math.Clamp(Environment.ProcessorCount, 1, 4);

    /// <summary>Calls <paramref name="search"/> on <paramref name="searches"/> threads and returns the first result (or rethrows the first failure).</summary>
    public static T Run<T>(int searches, Func<T> search) where T : class, IDisposable
    {
        ArgumentNullException.ThrowIfNull(search);
        if (searches <= 1) return search();
        var first = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        for (int i = 0; i < searches; i++)
        {
            var thread = new Thread(() =>
            {
                T found;
                try
                {
                    found = search();
                }
                catch (Exception e)
                {
                    first.TrySetException(e);
                    return;
                }
                if (!first.TrySetResult(found)) found.Dispose();
            })
            { IsBackground = true, Name = "hop key search" };
            thread.Start();
        }
        return first.Task.GetAwaiter().GetResult();
    }
}
