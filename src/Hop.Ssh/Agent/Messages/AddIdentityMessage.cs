using Hop.Ssh.Keys;
using Hop.Ssh.Keys.Formats;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Agent.Messages;

/// <summary>
/// SSH_AGENTC_ADD_IDENTITY and SSH_AGENTC_ADD_ID_CONSTRAINED (RFC 9987 §3.2). The key fields
/// are the private key body of the openssh-key-v1 format for its type.
/// <code>
/// byte    SSH_AGENTC_ADD_IDENTITY (17) or SSH_AGENTC_ADD_ID_CONSTRAINED (25)
/// string  key type
/// byte[]  key contents (type-specific)
/// string  key comment
/// constraint[] constraints (SSH_AGENTC_ADD_ID_CONSTRAINED only)
/// </code>
/// The message owns <see cref="Key"/> once read; dispose it unless the key is handed on.
/// </summary>
public sealed class AddIdentityMessage : IAgentMessage, IDisposable
{
    public AddIdentityMessage(SshPrivateKey key, string comment, AgentKeyConstraints? constraints = null)
    {
        Key = key;
        Comment = comment;
        Constraints = constraints ?? AgentKeyConstraints.None;
    }

    public SshPrivateKey Key { get; }
    public string Comment { get; }
    public AgentKeyConstraints Constraints { get; }

    public static AddIdentityMessage Read(ref SshReader reader)
    {
        var type = (AgentMessageType)reader.ReadByte();
        if (type is not (AgentMessageType.AddIdentity or AgentMessageType.AddIdConstrained)) throw new SshProtocolException($"expected an add-identity message, got {(byte)type}");
        SshPrivateKey key;
        try
        {
            key = OpenSshPrivateKeyBody.Read(ref reader);
        }
        catch (SshKeyFormatException e)
        {
            throw new SshProtocolException("bad private key in add request: " + e.Message, e);
        }
        try
        {
            string comment = AgentMessages.ReadComment(ref reader);
            var constraints = type == AgentMessageType.AddIdConstrained ? AgentKeyConstraints.Read(ref reader) : AgentKeyConstraints.None;
            reader.EnsureEnd();
            key.Comment = comment;
            return new AddIdentityMessage(key, comment, constraints);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    public void Write(ref SshWriter writer)
    {
        writer.WriteByte((byte)(Constraints.IsEmpty ? AgentMessageType.AddIdentity : AgentMessageType.AddIdConstrained));
        OpenSshPrivateKeyBody.Write(ref writer, Key);
        writer.WriteString(Comment);
        Constraints.Write(ref writer);
    }

    public void Dispose() => Key.Dispose();

    public override string ToString() => $"add {Key.PublicKey}";
}
