using System.Net;
using System.Net.Sockets;
using Hop.Ssh.Transport;

namespace Hop.Ssh.Tests.Transport;

/// <summary>
/// The transport's TCP stream over a real loopback socket: connecting, reads that wait on the
/// stream's own thread (and where the reader continues), writes larger than the kernel takes at
/// once, and every way a wait ends (data, end of stream, cancellation, disposal).
/// </summary>
public sealed class PolledSocketStreamTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public PolledSocketStreamTests()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(8);
    }

    private IPEndPoint Endpoint => (IPEndPoint)_listener.LocalEndPoint!;

    public void Dispose() => _listener.Dispose();

    private async Task<(PolledSocketStream Stream, Socket Peer)> ConnectPairAsync()
    {
        var accepting = _listener.AcceptAsync();
        var stream = await PolledSocketStream.ConnectAsync(Endpoint, TimeSpan.FromSeconds(10), CancellationToken.None);
        var peer = await accepting.WaitAsync(Guard);
        Assert.True(stream.Socket.NoDelay);
        return (stream, peer);
    }

    [Fact]
    public async Task AReadThatWaitsGetsTheDataAndContinuesOffTheReadThreadUntilToldOtherwise()
    {
        var (stream, peer) = await ConnectPairAsync();
        using var _ = peer;
        await using var __ = stream;
        var buffer = new byte[64];

        // Nothing has arrived: the read has to wait, on the stream's thread.
        var first = Task.Run(async () =>
        {
            int n = await stream.ReadAsync(buffer);
            return (n, Thread.CurrentThread.Name);
        });
        await Task.Delay(100);
        Assert.False(first.IsCompleted);
        peer.Send("hello"u8);
        var (n1, thread1) = await first.WaitAsync(Guard);
        Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(buffer, 0, n1));
        Assert.NotEqual("hop ssh read", thread1);

        // Told so (the connection's receive loop), the reader continues on the read thread.
        stream.ContinueOnReadThread = true;
        var second = Task.Run(async () =>
        {
            int n = await stream.ReadAsync(buffer);
            return (n, Thread.CurrentThread.Name);
        });
        await Task.Delay(100);
        peer.Send("world"u8);
        var (n2, thread2) = await second.WaitAsync(Guard);
        Assert.Equal("world", System.Text.Encoding.ASCII.GetString(buffer, 0, n2));
        Assert.Equal("hop ssh read", thread2);
    }

    [Fact]
    public async Task DataAlreadyWaitingIsReadWithoutWaiting()
    {
        var (stream, peer) = await ConnectPairAsync();
        using var _ = peer;
        await using var __ = stream;
        peer.Send(new byte[1000]);
        var buffer = new byte[4096];
        int total = 0;
        while (total < 1000) total += await stream.ReadAsync(buffer.AsMemory(total)).AsTask().WaitAsync(Guard);
        Assert.Equal(1000, total);
    }

    [Fact]
    public async Task TheEndOfTheStreamReadsAsZero()
    {
        var (stream, peer) = await ConnectPairAsync();
        await using var _ = stream;
        var read = stream.ReadAsync(new byte[16]).AsTask();
        peer.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, await read.WaitAsync(Guard));
        peer.Dispose();
    }

    [Fact]
    public async Task AWriteLargerThanTheKernelTakesArrivesWholeAndInOrder()
    {
        var (stream, peer) = await ConnectPairAsync();
        using var _ = peer;
        await using var __ = stream;
        var data = new byte[16 * 1024 * 1024];
        new Random(5).NextBytes(data);

        // The peer does not read yet, so most of the write has to wait for it.
        var writing = stream.WriteAsync(data).AsTask();
        await Task.Delay(200);
        Assert.False(writing.IsCompleted);
        var received = new byte[data.Length];
        int total = 0;
        while (total < received.Length)
        {
            int n = await peer.ReceiveAsync(received.AsMemory(total)).AsTask().WaitAsync(Guard);
            Assert.NotEqual(0, n);
            total += n;
        }
        await writing.WaitAsync(Guard);
        Assert.Equal(data, received);
    }

    [Theory]
    [InlineData(1024 * 1024, true)]
    [InlineData(64 * 1024, false)]
    public async Task ABulkFlowRaisesTheLowWaterMarkWhenTheBufferIsLargeAndAPauseDropsIt(int receiveBuffer, bool raised)
    {
        var (stream, peer) = await ConnectPairAsync();
        using var _ = peer;
        await using var __ = stream;
        stream.Socket.ReceiveBufferSize = receiveBuffer;
        int LowWater() => (int)stream.Socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReceiveLowWater)!;
        Assert.Equal(1, LowWater());
        var buffer = new byte[1024 * 1024];

        // A read that waited and then found a full-size packet's worth or more: a bulk flow. The
        // mark goes up only when the receive buffer is well past it (Linux would otherwise clamp
        // the TCP window to the mark).
        const int Bulk = 256 * 1024;
        var first = stream.ReadAsync(buffer).AsTask();
        await Task.Delay(100);
        var sending = peer.SendAsync(new byte[Bulk]);
        int total = await first.WaitAsync(Guard);
        Assert.InRange(total, 32 * 1024, Bulk);
        Assert.Equal(raised ? PolledSocketStream.BulkLowWater : 1, LowWater());
        while (total < Bulk) total += await stream.ReadAsync(buffer).AsTask().WaitAsync(Guard);
        await sending.WaitAsync(Guard);

        // The flow pauses: the mark drops back, and a few bytes still arrive on their own.
        var small = stream.ReadAsync(buffer).AsTask();
        await Task.Delay(100);
        Assert.Equal(1, LowWater());
        peer.Send("tail"u8);
        Assert.Equal(4, await small.WaitAsync(Guard));
        Assert.Equal("tail", System.Text.Encoding.ASCII.GetString(buffer, 0, 4));
    }

    /// <summary>TCP_QUICKACK in Linux's netinet/tcp.h.</summary>
    private const int QuickAck = 12;

    /// <summary>The socket's TCP_QUICKACK: 1 while the kernel acknowledges at once, 0 in its request/response mode.</summary>
    private static int QuickAckMode(Socket socket)
    {
        var value = new byte[4];
        socket.GetRawSocketOption((int)SocketOptionLevel.Tcp, QuickAck, value);
        return BitConverter.ToInt32(value);
    }

    [Fact]
    public async Task ABulkReadAfterASendPutsTheSocketBackToPromptAcksAndASmallReadDoesNot()
    {
        Assert.True(OperatingSystem.IsLinux(), "TCP_QUICKACK is Linux's");
        var (stream, peer) = await ConnectPairAsync();
        using var _ = peer;
        await using var __ = stream;
        int PromptAcks() => QuickAckMode(stream.Socket);
        // Flushes any ACK held back (so no delayed-ACK timer can end the mode on its own), then
        // enters the kernel's request/response mode, as a reply sent soon after data does.
        void HoldBackAcks()
        {
            stream.Socket.SetRawSocketOption((int)SocketOptionLevel.Tcp, QuickAck, BitConverter.GetBytes(1));
            stream.Socket.SetRawSocketOption((int)SocketOptionLevel.Tcp, QuickAck, BitConverter.GetBytes(0));
            Assert.Equal(0, PromptAcks());
        }
        async Task ReadAllAsync(int size)
        {
            peer.Send(new byte[size]);
            var buffer = new byte[size];
            int total = 0;
            while (total < size) total += await stream.ReadAsync(buffer.AsMemory(total)).AsTask().WaitAsync(Guard);
        }

        // A send (a WINDOW_ADJUST, a keystroke), then a small read (an echo): nothing changes.
        HoldBackAcks();
        await stream.WriteAsync(new byte[36]);
        Assert.True(stream.PromptAcksPending);
        await ReadAllAsync(1024);
        Assert.True(stream.PromptAcksPending);

        // A bulk read after it: prompt ACKs again, once.
        HoldBackAcks();
        await ReadAllAsync(64 * 1024);
        Assert.Equal(1, PromptAcks());
        Assert.False(stream.PromptAcksPending);

        // Without a send since, a bulk read leaves the socket as it is.
        HoldBackAcks();
        await ReadAllAsync(64 * 1024);
        Assert.Equal(0, PromptAcks());
    }

    [Fact]
    public async Task WhatArrivedSinceTheLastSendIsAcknowledgedBeforeTheNextWait()
    {
        // sshd, Nagle on, holds a small reply behind an unacknowledged small message (hostkeys-00
        // before the session's open confirmation): our ACK must not wait for the delayed-ACK timer.
        Assert.True(OperatingSystem.IsLinux(), "TCP_QUICKACK is Linux's");
        var (stream, peer) = await ConnectPairAsync();
        using var _ = peer;
        await using var __ = stream;
        int PromptAcks() => QuickAckMode(stream.Socket);
        var buffer = new byte[4096];

        // A request, then a message that is not its answer: the socket holds its ACK back...
        await stream.WriteAsync(new byte[52]);
        stream.Socket.SetRawSocketOption((int)SocketOptionLevel.Tcp, QuickAck, BitConverter.GetBytes(0));
        peer.Send(new byte[264]);
        int got = 0;
        while (got < 264) got += await stream.ReadAsync(buffer).AsTask().WaitAsync(Guard);
        Assert.Equal(0, stream.AcksBeforeWaiting);

        // ...until the reader waits for the answer: then it is sent at once.
        var answer = stream.ReadAsync(buffer).AsTask();
        var deadline = DateTime.UtcNow + Guard;
        while (stream.AcksBeforeWaiting == 0 && DateTime.UtcNow < deadline) await Task.Delay(5);
        Assert.Equal(1, stream.AcksBeforeWaiting);
        Assert.Equal(1, PromptAcks());
        peer.Send(new byte[52]);
        Assert.Equal(52, await answer.WaitAsync(Guard));

        // A send carries the ACK of what came before it: the next wait has nothing to acknowledge.
        await stream.WriteAsync(new byte[36]);
        var next = stream.ReadAsync(buffer).AsTask();
        peer.Send(new byte[36]);
        Assert.Equal(36, await next.WaitAsync(Guard));
        Assert.Equal(1, stream.AcksBeforeWaiting);
    }

    [Fact]
    public async Task CancellingAWaitingReadEndsIt()
    {
        var (stream, peer) = await ConnectPairAsync();
        using var _ = peer;
        await using var __ = stream;
        using var cancel = new CancellationTokenSource();
        var read = stream.ReadAsync(new byte[16], cancel.Token).AsTask();
        await Task.Delay(50);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(Guard));
    }

    [Fact]
    public async Task AnIdleWaitDoesNotWakeTheReadThread()
    {
        var (stream, peer) = await ConnectPairAsync();
        using var _ = peer;
        await using var __ = stream;
        stream.ContinueOnReadThread = true;
        var buffer = new byte[16];

        // The first read continues on the read thread, which says who it is (Linux's thread id);
        // the test itself goes on elsewhere, since its own reads must not wait on that thread. On a
        // loaded machine the read may start only after the byte came, and find it without waiting,
        // on the thread that called it: then again, until it is the read thread that answers.
        string thread = "";
        Task reading = Task.CompletedTask;
        for (int attempt = 0; attempt < 20 && !IsReadThread(thread); attempt++)
        {
            var who = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            reading = Task.Run(async () =>
            {
                try
                {
                    Assert.Equal(1, await stream.ReadAsync(buffer));
                    who.SetResult(new FileInfo("/proc/thread-self").LinkTarget!.Split('/')[^1]);
                }
                catch (Exception e)
                {
                    who.SetException(e);
                }
            });
            await Task.Delay(50);
            peer.Send("x"u8);
            thread = await who.Task.WaitAsync(Guard);
        }
        Assert.True(IsReadThread(thread), "no read continued on the read thread");
        static bool IsReadThread(string tid) => tid.Length > 0 && File.ReadAllText($"/proc/self/task/{tid}/comm").Trim() == "hop ssh read";
        long Wakeups() => long.Parse(File.ReadAllLines($"/proc/self/task/{thread}/status")
            .Single(l => l.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal)).Split(':')[1].Trim());

        // The next read waits for data that does not come: the thread sleeps, and nothing wakes it
        // (waits in 200 ms slices woke it five times a second).
        var idle = stream.ReadAsync(buffer).AsTask();
        await Task.Delay(100);
        long before = Wakeups();
        await Task.Delay(1200);
        long after = Wakeups();
        Assert.False(idle.IsCompleted);
        Assert.InRange(after - before, 0, 1);
        Assert.True(reading.IsCompletedSuccessfully);
        peer.Send("y"u8);
        Assert.Equal(1, await idle.WaitAsync(Guard));
    }

    [Fact]
    public async Task DisposingTheStreamEndsAWaitingRead()
    {
        var (stream, peer) = await ConnectPairAsync();
        using var _ = peer;
        var read = stream.ReadAsync(new byte[16]).AsTask();
        await Task.Delay(50);
        await stream.DisposeAsync();
        // The wait ends at once: with the end of the stream or the disposal, never data, never a hang.
        try
        {
            Assert.Equal(0, await read.WaitAsync(Guard));
        }
        catch (ObjectDisposedException)
        {
        }
        Assert.Equal(0, await peer.ReceiveAsync(new byte[16]).WaitAsync(Guard));
    }

    [Fact]
    public async Task ConnectingToAPortNobodyListensOnIsRefused()
    {
        var endpoint = Endpoint;
        _listener.Dispose();
        var e = await Assert.ThrowsAsync<SocketException>(() => PolledSocketStream.ConnectAsync(endpoint, TimeSpan.FromSeconds(10), CancellationToken.None).WaitAsync(Guard));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }

    /// <summary>
    /// A listener whose accept queue is full (backlog 0, one connection queued): Linux drops the
    /// SYNs that follow, so the next connect stays unanswered.
    /// </summary>
    private static async Task<(Socket Listener, Socket Queued)> FullListenerAsync()
    {
        var full = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        full.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        full.Listen(0);
        var queued = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await queued.ConnectAsync(full.LocalEndPoint!).WaitAsync(Guard);
        return (full, queued);
    }

    [Fact]
    public async Task AConnectNobodyAnswersEndsWithTheTimeout()
    {
        var (full, queued) = await FullListenerAsync();
        using var _ = full;
        using var __ = queued;
        var endpoint = (IPEndPoint)full.LocalEndPoint!;
        await Assert.ThrowsAsync<TimeoutException>(() => PolledSocketStream.ConnectAsync(endpoint, TimeSpan.FromMilliseconds(300), CancellationToken.None).WaitAsync(Guard));
    }

    [Fact]
    public async Task CancellingAConnectEndsIt()
    {
        var (full, queued) = await FullListenerAsync();
        using var _ = full;
        using var __ = queued;
        var endpoint = (IPEndPoint)full.LocalEndPoint!;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PolledSocketStream.ConnectAsync(endpoint, TimeSpan.Zero, cancel.Token).WaitAsync(Guard));
    }
}
