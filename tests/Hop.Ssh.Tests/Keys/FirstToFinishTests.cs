using Hop.Ssh.Keys;
using Xunit;

namespace Hop.Ssh.Tests.Keys;

public class FirstToFinishTests
{
    private sealed class Found(int search) : IDisposable
    {
        public int Search { get; } = search;
        public ManualResetEventSlim Disposed { get; } = new();
        public void Dispose() => Disposed.Set();
    }

    [Fact]
    public void TheSearchThatFinishesFirstIsKeptAndTheSlowerOnesResultIsDisposed()
    {
        using var released = new ManualResetEventSlim();
        int calls = 0;
        Found? slow = null;
        var kept = FirstToFinish.Run(2, () =>
        {
            int search = Interlocked.Increment(ref calls);
            if (search == 1)
            {
                // Run one at a time, this search would hold up the other until the wait gives up.
                released.Wait(TimeSpan.FromSeconds(20));
                return slow = new Found(search);
            }
            return new Found(search);
        });
        released.Set();

        Assert.Equal(2, kept.Search);
        Assert.False(kept.Disposed.IsSet);
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref slow) is not null, TimeSpan.FromSeconds(20)));
        Assert.True(slow!.Disposed.Wait(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public void OneSearchRunsOnTheCallersThread()
    {
        int thread = -1, calls = 0;
        using var kept = FirstToFinish.Run(1, () =>
        {
            calls++;
            thread = Environment.CurrentManagedThreadId;
            return new Found(1);
        });
        Assert.Equal(1, calls);
        Assert.Equal(Environment.CurrentManagedThreadId, thread);
    }

    [Fact]
    public void AFailedSearchIsRethrown()
    {
        var e = Assert.Throws<InvalidOperationException>(() =>
            FirstToFinish.Run<Found>(2, () => throw new InvalidOperationException("no prime")));
        Assert.Equal("no prime", e.Message);
    }

    [Fact]
    public void AnRsaKeyFromTwoSearchesHasItsSizeAndSigns()
    {
        using var key = RsaPrivateKey.Generate(2048, searches: 2);
        Assert.Equal(2048, key.PublicKey.KeySizeBits);
        byte[] data = "searched"u8.ToArray();
        Assert.True(key.PublicKey.Verify(data, key.Sign(data, "rsa-sha2-256")));
    }
}
