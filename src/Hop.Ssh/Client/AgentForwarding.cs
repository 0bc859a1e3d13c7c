using System.Net.Sockets;
using Hop.Ssh.Agent;
using Hop.Ssh.Connection;
using Hop.Ssh.Connection.Messages;

namespace Hop.Ssh.Client;

/// <summary>
/// Agent forwarding (OpenSSH PROTOCOL.agent: auth-agent-req@openssh.com, auth-agent@openssh.com): each channel the server
/// opens is relayed to the local agent. Channels arrive only after the session asked for them
/// with auth-agent-req@openssh.com; without that, the connection refuses them.
/// </summary>
public static class AgentForwarding
{
    public const string ChannelType = "auth-agent@openssh.com";

    /// <summary>Accepts forwarded agent channels on <paramref name="connection"/>, relaying each to the agent at <paramref name="agentPath"/>.</summary>
    public static void Enable(SshConnection connection, string agentPath, Action<int, string>? log = null)
    {
        connection.SetChannelOpenHandler(ChannelType, async open =>
        {
            Stream agent;
            try
            {
                agent = await AgentClient.ConnectAsync(agentPath).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SshException or IOException or SocketException or UnauthorizedAccessException)
            {
                log?.Invoke(1, $"agent forwarding: cannot reach the local agent: {e.Message}");
                open.Reject(ChannelOpenFailureReason.ConnectFailed, "agent unavailable");
                return;
            }
            SshChannel channel;
            try
            {
                channel = await open.AcceptAsync().ConfigureAwait(false);
            }
            catch
            {
                await agent.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            log?.Invoke(2, "client_input_channel_open: ctype auth-agent@openssh.com");
            await ChannelRelay.RunAsync(channel, agent, log: log).ConfigureAwait(false);
        });
    }
}
