using System.Text;
using Hop.Ssh.Connection;
using Hop.Ssh.Connection.Messages;
using static Hop.Ssh.Tests.Connection.ConnectionHarness;

namespace Hop.Ssh.Tests.Connection;

/// <summary>StartCommandAsync (exec sent as the channel opens) and RunCommandAsync (output kept in memory) against the scripted server.</summary>
public sealed class RunCommandTests
{
    [Fact]
    public async Task RunCommandKeepsStdoutAndStderrApartWithTheExitStatus()
    {
        await using var h = Start();
        var result = await h.Client.RunCommandAsync("split").WaitAsync(Limit);
        Assert.Equal("out", result.OutputText);
        Assert.Equal("err", result.ErrorOutputText);
        Assert.Equal(3, result.ExitStatus);
        Assert.Null(result.Exit.Signal);
        Assert.Equal(0, h.Client.ChannelCount);
        Assert.Empty(h.Server.Violations);
    }

    [Fact]
    public async Task RunCommandReportsTheExitSignal()
    {
        await using var h = Start();
        var result = await h.Client.RunCommandAsync("kill").WaitAsync(Limit);
        Assert.Null(result.ExitStatus);
        Assert.Equal(new ExitSignal("TERM", true, "killed"), result.Exit.Signal);
    }

    [Fact]
    public async Task ManyMegabytesThroughSmallWindowsAreKeptIntact()
    {
        await using var h = Start(SmallWindows);
        const int total = 5_000_000;
        var result = await h.Client.RunCommandAsync("generate " + total).WaitAsync(Limit);
        Assert.Equal(0, result.ExitStatus);
        Assert.Equal(ScriptedServer.Pattern(0, total), result.Output);
        Assert.Empty(result.ErrorOutput);
    }

    [Fact]
    public async Task OutputUpToTheLimitIsKept()
    {
        await using var h = Start();
        var result = await h.Client.RunCommandAsync("generate 100000", outputLimit: 100_000).WaitAsync(Limit);
        Assert.Equal(ScriptedServer.Pattern(0, 100_000), result.Output);
    }

    [Fact]
    public async Task OutputPastTheLimitClosesTheChannelAndFails()
    {
        await using var h = Start(SmallWindows);
        // "yes" writes until told the client reads no more (eow@openssh.com) or 64 MiB.
        var e = await Assert.ThrowsAsync<SshChannelException>(() => h.Client.RunCommandAsync("yes", outputLimit: 250_000).WaitAsync(Limit));
        Assert.EndsWith("output of 'yes' passed 250000 bytes", e.Message);
        Assert.Equal(0, h.Client.ChannelCount);
        Assert.True(Volatile.Read(ref h.Server.ClosesReceived) >= 1);
        Assert.Empty(h.Server.Violations);
    }

    [Fact]
    public async Task ARefusedCommandFailsAndItsChannelIsClosed()
    {
        await using var h = Start();
        var e = await Assert.ThrowsAsync<SshChannelException>(() => h.Client.RunCommandAsync("fail").WaitAsync(Limit));
        Assert.Matches("^exec request failed on channel [0-9]+$", e.Message);
        Assert.Equal(0, h.Client.ChannelCount);
        Assert.Equal(1, Volatile.Read(ref h.Server.ClosesReceived));
        Assert.Empty(h.Server.Violations);
    }

    [Fact]
    public async Task CancellingClosesTheChannel()
    {
        await using var h = Start();
        using var cancel = new CancellationTokenSource();
        // "hang" never answers the exec request, nor ends.
        var run = h.Client.RunCommandAsync("hang", cancellationToken: cancel.Token);
        await WaitForAsync(() => h.Server.Requests.Any(r => r.RequestType == ChannelRequestTypes.Exec));
        Assert.False(run.IsCompleted);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Limit));
        await WaitForAsync(() => Volatile.Read(ref h.Server.ClosesReceived) == 1 && h.Client.ChannelCount == 0);
    }

    [Fact]
    public async Task StartCommandSendsTheExecAsTheChannelOpensWithTheOutputInItsPipes()
    {
        await using var h = Start();
        await using var session = await h.Client.StartCommandAsync("echo started").WaitAsync(Limit);
        Assert.Equal("started", Encoding.UTF8.GetString(await ReadAllAsync(session.Output)));
        Assert.Equal(0, (await session.Exit.WaitAsync(Limit)).ExitStatus);
        var exec = Assert.Single(h.Server.Requests, r => r.RequestType == ChannelRequestTypes.Exec);
        Assert.True(exec.WantReply);
        Assert.Equal("echo started", Assert.IsType<CommandRequestDetails>(exec.Details).Text);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met");
            await Task.Delay(10);
        }
    }
}
