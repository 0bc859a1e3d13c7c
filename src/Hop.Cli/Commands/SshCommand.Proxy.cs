using Hop.Cli.Terminal;
using Hop.Ssh;
using Hop.Ssh.Client;
using Hop.Ssh.Config;

namespace Hop.Cli.Commands;

/// <summary>
/// `-O proxy`, as ssh: the session (command or shell, -L/-D/-R forwards) runs as on a connection of
/// our own, but its connection-protocol messages go over the ControlMaster's socket, which relays
/// them on the master's connection: no key exchange and no authentication here.
/// </summary>
internal static partial class SshCommand
{
    private static async Task<int> RunOverMuxProxyAsync(SshArguments a, ResolvedConfig c, SshMuxClient.ProxyStart proxy, DiagnosticLog log)
    {
        log.Write(1, "mux: proxy mode, the session goes over the master's connection");
        var client = SshClient.OverMuxProxy(proxy.Stream, c.OriginalHost);
        await using (client.ConfigureAwait(false))
        {
            // -R: hop's master passes the server's answer on; OpenSSH's routes the server's connections
            // for a proxy client's forward to it but keeps the answer (see SshForwarding).
            await using var forwarding = await SshForwarding.StartAsync(c, client, log, answersKept: !proxy.MasterAnswersGlobalRequests).ConfigureAwait(false);
            if (a.NoCommand)
            {
                // As ssh -N: the forwards run until the master's connection (or the master) goes.
                try
                {
                    await client.Connection.Completion.ConfigureAwait(false);
                }
                catch (SshException e)
                {
                    log.Write(1, e.Message);
                }
                return 255;
            }
            return await RunRemoteAsync(a, c, client, forwarding, log).ConfigureAwait(false);
        }
    }
}
