using System.Net;
using System.Net.Sockets;

namespace Hop.Interop.Tests.Forwarding;

/// <summary>
/// A TCP server on 127.0.0.1 that sends each connection <see cref="Length"/> bytes of a counting
/// pattern (byte i is i mod 251) and closes it, recording for each whether all of it was sent or
/// the send failed (the reader went away).
/// </summary>
internal sealed class TestTcpSource : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TaskCompletionSource<bool>> _ends = [];
    private readonly Task _loop;

    public TestTcpSource(long length)
    {
        Length = length;
        _listener.Start(16);
        _loop = Task.Run(AcceptAsync);
    }

    public long Length { get; }
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>
    /// How the first <paramref name="count"/> connections (in the order accepted) ended: true when
    /// all was sent, false when a send failed; waits for them.
    /// </summary>
    public async Task<bool[]> EndsAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Task<bool>[] ends;
            lock (_ends) ends = _ends.Take(count).Select(e => e.Task).ToArray();
            if (ends.Length == count) return await Task.WhenAll(ends).WaitAsync(deadline - DateTime.UtcNow);
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"only {ends.Length} of {count} connections came to the source");
            await Task.Delay(20);
        }
    }

    /// <summary>Whether <paramref name="data"/> is the pattern from its start.</summary>
    public static bool IsPattern(ReadOnlySpan<byte> data)
    {
        for (int i = 0; i < data.Length; i++)
        {
            if (data[i] != (byte)(i % 251)) return false;
        }
        return true;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket c;
            try
            {
                c = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            var end = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_ends) _ends.Add(end);
            _ = Task.Run(() => SendAsync(c, end));
        }
    }

    private async Task SendAsync(Socket c, TaskCompletionSource<bool> end)
    {
        // 251 × 261 bytes: byte p of the stream is chunk[p % chunk.Length].
        var chunk = new byte[251 * 261];
        for (int i = 0; i < chunk.Length; i++) chunk[i] = (byte)(i % 251);
        using (c)
        {
            try
            {
                for (long sent = 0; sent < Length;)
                {
                    int offset = (int)(sent % chunk.Length);
                    int n = (int)Math.Min(chunk.Length - offset, Length - sent);
                    sent += await c.SendAsync(chunk.AsMemory(offset, n), SocketFlags.None, _stop.Token);
                }
                c.Shutdown(SocketShutdown.Send);
                end.TrySetResult(true);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                end.TrySetResult(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try { await _loop.WaitAsync(TimeSpan.FromSeconds(5)); } catch (Exception e) when (e is OperationCanceledException or TimeoutException) { }
        _stop.Dispose();
    }
}
