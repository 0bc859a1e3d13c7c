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

    public static async Task RunAsync(SshChannel channel, Stream local, CancellationToken cancellationToken = default)
    {
        var toLocal = CopyChannelToLocalAsync(channel.Output, local, cancellationToken);
        var toChannel = CopyLocalToChannelAsync(local, channel, cancellationToken);
        try
        {
            await Task.WhenAll(toLocal, toChannel).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SshException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
            // One side went away; closing both below ends the other direction.
        }
        finally
        {
            await local.DisposeAsync().ConfigureAwait(false);
            try
            {
                await channel.CloseAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SshException or IOException or ObjectDisposedException or OperationCanceledException)
            {
            }
        }
    }

    private static async Task CopyChannelToLocalAsync(PipeReader from, Stream to, CancellationToken ct)
    {
        await from.CopyToAsync(to, ct).ConfigureAwait(false);
        if (to is NetworkStream ns) ns.Socket.Shutdown(SocketShutdown.Send);
    }

    private static async Task CopyLocalToChannelAsync(Stream from, SshChannel channel, CancellationToken ct)
    {
        var input = channel.GetInputStream();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(RelayBufferSize);
        try
        {
            while (true)
            {
                int n = await from.ReadAsync(buffer.AsMemory(0, RelayBufferSize), ct).ConfigureAwait(false);
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
