using Hop.Ssh.Wire;

namespace Hop.Ssh.Agent.Messages;

/// <summary>
/// A message that is only its type byte: SSH_AGENTC_REQUEST_IDENTITIES,
/// SSH_AGENTC_REMOVE_ALL_IDENTITIES, SSH_AGENT_SUCCESS, SSH_AGENT_FAILURE,
/// SSH_AGENT_EXTENSION_FAILURE (RFC 9987 §3.1, §3.4, §3.3).
/// <code>
/// byte  type
/// </code>
/// </summary>
public readonly record struct AgentStatusMessage(AgentMessageType Type) : IAgentMessage
{
    public static readonly AgentStatusMessage Success = new(AgentMessageType.Success);
    public static readonly AgentStatusMessage Failure = new(AgentMessageType.Failure);
    public static readonly AgentStatusMessage ExtensionFailure = new(AgentMessageType.ExtensionFailure);
    public static readonly AgentStatusMessage RequestIdentities = new(AgentMessageType.RequestIdentities);
    public static readonly AgentStatusMessage RemoveAllIdentities = new(AgentMessageType.RemoveAllIdentities);

    public static AgentStatusMessage Read(ref SshReader reader)
    {
        var type = (AgentMessageType)reader.ReadByte();
        reader.EnsureEnd();
        return new AgentStatusMessage(type);
    }

    public void Write(ref SshWriter writer) => writer.WriteByte((byte)Type);
}
