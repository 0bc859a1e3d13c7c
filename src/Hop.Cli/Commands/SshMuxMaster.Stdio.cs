using Hop.Cli.Terminal;
using Hop.Ssh;
using Hop.Ssh.Connection;
using Hop.Ssh.Mux;

namespace Hop.Cli.Commands;

/// <summary>A client's stdio forward (ssh -W through the master): a direct-tcpip channel on the client's passed stdin and stdout.</summary>
internal sealed partial class SshMuxMaster
{
    private async Task RunStdioForwardAsync(MuxServerConnection connection, MuxStdioForward request)
    {
        // stdin and stdout.
        if (await ReceiveDescriptorsAsync(connection, 2).ConfigureAwait(false) is not { } fds) return;
        using var stdout = DescriptorSink.For(fds[1]);
        using var pumpDone = new CancellationTokenSource();
        Thread? pump = null;
        try
        {
            if (!await AllowedAsync($"Allow forward to {request.ConnectHost}:{request.ConnectPort}? ").ConfigureAwait(false))
            {
                await connection.ReplyAsync(Denied(request.RequestId), _stop.Token).ConfigureAwait(false);
                return;
            }
            DirectTcpipChannel channel;
            try
            {
                channel = await _client.Connection.OpenDirectTcpipAsync(request.ConnectHost, request.ConnectPort, "127.0.0.1", 65535,
                    new ChannelSinks(stdout, null), _stop.Token).ConfigureAwait(false);
            }
            catch (SshException e)
            {
                _log.Write(1, $"mux stdio forward to {request.ConnectHost}:{request.ConnectPort}: {e.Message}");
                await connection.ReplyAsync(new MuxReply(MuxProtocol.Failure, request.RequestId, 0, $"stdio forward failed: {e.Message}"), _stop.Token).ConfigureAwait(false);
                return;
            }
            await using (channel.ConfigureAwait(false))
            {
                await connection.ReplyAsync(new MuxReply(MuxProtocol.SessionOpened, request.RequestId, request.RequestId, null), _stop.Token).ConfigureAwait(false);
                _log.Write(1, $"mux stdio forward to {request.ConnectHost}:{request.ConnectPort} opened for a client");
                pump = new Thread(() => PumpInput(fds[0], channel, escapes: null, session: null, pumpDone.Token)) { IsBackground = true, Name = "hop mux stdio" };
                pump.Start();
                // The forward ends with the channel, or with the client (killed, or its ProxyCommand's ssh gone).
                var clientGone = connection.ReadRequestAsync(_stop.Token);
                if (await Task.WhenAny(channel.Closed, clientGone).ConfigureAwait(false) != channel.Closed)
                {
                    await channel.CloseAsync().ConfigureAwait(false);
                    return;
                }
                await channel.SinksWritten.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SshException or IOException or OperationCanceledException or TimeoutException or ObjectDisposedException)
        {
            _log.Write(1, $"mux stdio forward: {e.Message}");
        }
        finally
        {
            await pumpDone.CancelAsync().ConfigureAwait(false);
            pump?.Join();
            foreach (int fd in fds) PosixIo.Close(fd);
        }
    }
}
