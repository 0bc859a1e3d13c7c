namespace Hop.Ssh.Connection;

/// <summary>
/// ServerAliveInterval / ServerAliveCountMax as OpenSSH's client does them: when nothing has been
/// heard for the interval, send keepalive@openssh.com with want-reply; any global reply resets the
/// count; past the maximum the connection ends with "Timeout, server HOST not responding."
/// </summary>
public sealed partial class SshConnection
{
    private int _unansweredKeepalives;

    private async Task KeepaliveLoopAsync()
    {
        var interval = Options.ServerAliveInterval;
        long intervalMs = (long)interval.TotalMilliseconds;
        try
        {
            long wait = intervalMs;
            while (true)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait), _stopping.Token).ConfigureAwait(false);
                long quiet = Environment.TickCount64 - Volatile.Read(ref _lastReceived);
                if (quiet < intervalMs)
                {
                    wait = intervalMs - quiet;
                    continue;
                }
                wait = intervalMs;
                if (Interlocked.Increment(ref _unansweredKeepalives) > Options.ServerAliveCountMax)
                {
                    var timeout = new SshConnectionException($"Timeout, server {Options.HostName} not responding.");
                    if (Fail(timeout))
                    {
                        ChannelBackground.Run(_packets.DisconnectAsync(DisconnectByApplication, "keepalive timeout", CancellationToken.None));
                    }
                    return;
                }
                // The reply (or the failure of the connection) is seen by the receive loop.
                TaskFaults.Observe(SendGlobalRequestAsync(Messages.GlobalRequestMessage.KeepaliveOpenSsh, ReadOnlyMemory<byte>.Empty, true, CancellationToken.None));
            }
        }
        catch (OperationCanceledException)
        {
            // The connection ended.
        }
    }
}
