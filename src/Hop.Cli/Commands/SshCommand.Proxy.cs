using Hop.Cli.Terminal;
using Hop.Ssh;
using Hop.Ssh.Client;
using Hop.Ssh.Config;

namespace Hop.Cli.Commands;

/// <summary>
/// `-O proxy`, as ssh: the session (command or shell, -L/-D forwards) runs as on a connection of
/// our own, but its connection-protocol messages go over the ControlMaster's socket, which relays
/// them on the master's connection: no key exchange and no authentication here.
/// </summary>
internal static partial class SshCommand
{
    private static async Task<int> RunOverMuxProxyAsync(SshArguments a, ResolvedConfig c, Stream proxy, DiagnosticLog log)
    {
        log.Write(1, "mux: proxy mode, the session goes over the master's connection");
        var client = SshClient.OverMuxProxy(proxy, c.OriginalHost);
        await using (client.ConfigureAwait(false))
        {
            // OpenSSH's master routes the server's connections for a proxy client's -R to it, but keeps the
            // server's answer to the request: a forward nobody could confirm (or learn the port of) is left out.
            if (c.RemoteForwards.Count > 0) log.Say("hop: -R is not forwarded in proxy mode (the master keeps the server's answer); use -O forward");
            await using var forwarding = await SshForwarding.StartAsync(c, client, log, remoteForwards: false).ConfigureAwait(false);
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
