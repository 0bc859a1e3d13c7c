using Hop.Ssh.Mux;

namespace Hop.Ssh.Tests.Mux;

public class MuxIdleClockTests
{
    private static readonly TimeSpan TwoSeconds = TimeSpan.FromSeconds(2);

    [Fact]
    public void IdleCountsFromTheStartWhenNoClientCame()
    {
        var clock = new MuxIdleClock(now: 1_000);
        Assert.False(clock.IdleFor(TwoSeconds, now: 2_999));
        Assert.True(clock.IdleFor(TwoSeconds, now: 3_000));
    }

    [Fact]
    public void AClientThatCameAndWentBetweenTwoLooksRestartsTheClock()
    {
        // The master looked at 1_000; the client came at 2_500 and left at 2_600, before the next look.
        var clock = new MuxIdleClock(now: 1_000);
        clock.ClientArrived(now: 2_500);
        clock.ClientLeft(now: 2_600);
        Assert.False(clock.IdleFor(TwoSeconds, now: 3_100));
        Assert.True(clock.IdleFor(TwoSeconds, now: 4_600));
    }

    [Fact]
    public void NeverIdleWhileAClientIsConnected()
    {
        var clock = new MuxIdleClock(now: 0);
        clock.ClientArrived(now: 10);
        Assert.Equal(1, clock.Clients);
        Assert.False(clock.IdleFor(TwoSeconds, now: 1_000_000));
        clock.ClientLeft(now: 1_000_000);
        Assert.Equal(0, clock.Clients);
        Assert.True(clock.IdleFor(TwoSeconds, now: 1_002_000));
    }

    [Fact]
    public void HadClientIsSetByTheFirstArrivalAndStays()
    {
        var clock = new MuxIdleClock(now: 0);
        Assert.False(clock.HadClient);
        clock.ClientArrived(now: 1);
        clock.ClientLeft(now: 2);
        Assert.True(clock.HadClient);
    }
}
