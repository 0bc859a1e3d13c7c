using System.Globalization;
using Hop.Ssh;
using Hop.Ssh.Client;
using Hop.Ssh.Client.Forwarding;
using Hop.Ssh.Config;
using Hop.Ssh.Connection.Messages;

namespace Hop.Cli.Commands;

/// <summary>
/// -w / Tunnel: after the other forwards, as ssh's ssh_init_forwarding, opens the local tun (tap)
/// device and asks the server for its end (client_request_tun_fwd), in ssh's words when either
/// fails: "Tunnel device open failed." then "Could not request tunnel forwarding.", or the
/// channel's "open failed" then "Tunnel forwarding failed"; under ExitOnForwardFailure the program
/// ends (exit 255), else the session goes on without the tunnel. Linux only: elsewhere the device
/// cannot be opened, and ssh's message for such a platform says so.
/// </summary>
internal static class SshTunnel
{
    public static async Task<TunnelForwarding?> StartAsync(ResolvedConfig c, SshClient client, DiagnosticLog log)
    {
        if (c.Tunnel == Tunnel.No) return null;
        bool ethernet = c.Tunnel == Tunnel.Ethernet;
        bool any = c.TunnelLocalUnit == (int)TunChannelOpenDetails.AnyUnit;
        log.Write(1, string.Create(CultureInfo.InvariantCulture, $"Requesting tun unit {c.TunnelLocalUnit} in mode {(int)c.Tunnel}"));
        ITunnelDevice device;
        try
        {
            if (!OperatingSystem.IsLinux())
            {
                log.Write(0, "Tunnel interfaces are not supported on this platform");
                throw new IOException("not supported");
            }
            device = LinuxTunDevice.Open(c.TunnelLocalUnit, any, ethernet, log.Sink);
        }
        catch (IOException)
        {
            log.Write(0, "Tunnel device open failed.");
            const string failed = "Could not request tunnel forwarding.";
            if (c.ExitOnForwardFailure) throw new SshConnectionException(failed);
            log.Write(0, failed);
            return null;
        }
        log.Write(1, $"Tunnel forwarding using interface {device.Name}");
        try
        {
            return await TunnelForwarding.OpenAsync(client.Connection, device, ethernet ? TunnelMode.Ethernet : TunnelMode.PointToPoint,
                (uint)c.TunnelRemoteUnit, log.Sink).ConfigureAwait(false);
        }
        catch (SshChannelException e)
        {
            device.Dispose();
            log.Write(0, e.Message);
            const string failed = "Tunnel forwarding failed";
            if (c.ExitOnForwardFailure) throw new SshConnectionException(failed);
            log.Write(0, failed);
            return null;
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }
}
