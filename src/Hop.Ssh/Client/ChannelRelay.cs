using System.IO.Pipelines;
using System.Net.Sockets;
using Hop.Ssh.Connection;

namespace Hop.Ssh.Client;

/// <summary>
/// Joins a channel and a local stream (an agent socket, a forwarded TCP connection): bytes flow
/// both ways, an end-of-file on one side half-closes the other, and both are closed at the end.
/// </summary>
public static class ChannelRelay
{
    /// <summary>
    /// Local reads this large take what a fast sender has queued in one syscall, and the channel
    /// sends the packets they make with one socket write (a 1 GiB -L upload: 32 KiB reads cost
    /// about half as much CPU again as ssh's).
    /// </summary>
    private const int RelayBufferSize = 256 * 1024;

    /// <summary>
    /// Relays between <paramref name="channel"/>'s <see cref="SshChannel.Output"/> and <paramref name="local"/>;
    /// <paramref name="log"/> (level, line) hears at level 1 what ended a relay early.
    /// </summary>
    public static Task RunAsync(SshChannel channel, Stream local, CancellationToken cancellationToken = default, Action<int, string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(local);
        return RelayAsync(
            channel,
            CopyChannelToLocalAsync(channel.Output, local, cancellationToken),
            (buffer, ct) => local.ReadAsync(buffer, ct),
            () => local.DisposeAsync(),
            log,
            cancellationToken);
    }

    /// <summary>
    /// Relays for a channel opened with <paramref name="local"/> as its output sink: what the peer
    /// sends is already written to the sink's socket by the receive loop; this reads the socket into
    /// the channel, and half-closes the socket once the peer's data has all been written.
    /// <paramref name="log"/> (level, line) hears at level 1 what ended a relay early.
    /// </summary>
    public static Task RunAsync(SshChannel channel, SocketSink local, CancellationToken cancellationToken = default, Action<int, string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(local);
        var socket = local.Socket;
        return RelayAsync(
            channel,
            AwaitSinkAsync(channel, local),
            (buffer, ct) => socket.ReceiveAsync(buffer, SocketFlags.None, ct),
            () =>
            {
                socket.Dispose();
                return ValueTask.CompletedTask;
            },
            log,
            cancellationToken);
    }

    private static async Task RelayAsync(SshChannel channel, Task toLocal, Func<Memory<byte>, CancellationToken, ValueTask<int>> readLocal, Func<ValueTask> closeLocal, Action<int, string>? log, CancellationToken cancellationToken)
    {
        var toChannel = CopyLocalToChannelAsync(readLocal, channel, cancellationToken);
        try
        {
            // A side that fails ends both at once: a local end reset while the peer is quiet must
            // not hold the channel open until the peer speaks. Only a channel the peer has closed
            // (it refuses what the local end still sends) waits for its last data to be written.
            var first = await Task.WhenAny(toLocal, toChannel).ConfigureAwait(false);
            if (first.IsCanceled || first.Exception?.InnerException is not null and not SshChannelException) await first.ConfigureAwait(false);
            await Task.WhenAll(toLocal, toChannel).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SshException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
            // One side went away; closing both below ends the other direction.
            log?.Invoke(1, $"{channel.Name}: relay ended early: {e.Message}");
        }
        finally
        {
            // The side still running fails once the local end is closed; that is expected.
            TaskFaults.Observe(toLocal);
            TaskFaults.Observe(toChannel);
            await closeLocal().ConfigureAwait(false);
            try
            {
                await channel.CloseAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SshException or IOException or ObjectDisposedException or OperationCanceledException)
            {
            }
            log?.Invoke(1, $"{channel.Name}: free: {channel.Description}, nchannels {channel.Connection.ChannelCount}");
        }
    }

    private static async Task CopyChannelToLocalAsync(PipeReader from, Stream to, CancellationToken ct)
    {
        await from.CopyToAsync(to, ct).ConfigureAwait(false);
        if (to is NetworkStream ns) ns.Socket.Shutdown(SocketShutdown.Send);
    }

    private static async Task AwaitSinkAsync(SshChannel channel, SocketSink local)
    {
        var done = await Task.WhenAny(channel.SinksWritten, local.Broken).ConfigureAwait(false);
        if (done == local.Broken) throw new IOException("the forwarded connection's local end is gone");
        await done.ConfigureAwait(false);
        local.Socket.Shutdown(SocketShutdown.Send);
    }

    private static async Task CopyLocalToChannelAsync(Func<Memory<byte>, CancellationToken, ValueTask<int>> read, SshChannel channel, CancellationToken ct)
    {
        var input = channel.GetInputStream();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(RelayBufferSize);
        try
        {
            while (true)
            {
                int n = await read(buffer.AsMemory(0, RelayBufferSize), ct).ConfigureAwait(false);
                if (n == 0) break;
                await input.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            }
            await channel.SendEofAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
