using System.Security.Cryptography;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Agent.Messages;

/// <summary>
/// SSH_AGENTC_ADD_SMARTCARD_KEY, SSH_AGENTC_ADD_SMARTCARD_KEY_CONSTRAINED and
/// SSH_AGENTC_REMOVE_SMARTCARD_KEY (RFC 9987 §3.3, §3.5): a PKCS#11 provider library and the token's
/// PIN (empty on removal, as ssh-add sends it), then for an add any constraints:
/// <code>
/// byte    SSH_AGENTC_ADD_SMARTCARD_KEY (20), SSH_AGENTC_ADD_SMARTCARD_KEY_CONSTRAINED (26)
///         or SSH_AGENTC_REMOVE_SMARTCARD_KEY (21)
/// string  provider path
/// string  PIN
/// constraint[] constraints (add only)
/// </code>
/// The PIN is a secret: dispose the message to zero it. As ssh-agent, both add types read the
/// constraints that follow, and a remove request carrying any is malformed.
/// </summary>
public sealed class SmartcardKeyMessage : IAgentMessage, IDisposable
{
    /// <summary>ssh-agent reads the provider as a C string of at most PATH_MAX bytes.</summary>
    public const int MaxProviderLength = 4096;

    private readonly byte[] _pin;

    public SmartcardKeyMessage(bool remove, string provider, ReadOnlySpan<byte> pin, AgentKeyConstraints? constraints = null)
    {
        ArgumentNullException.ThrowIfNull(provider);
        Remove = remove;
        Provider = provider;
        _pin = pin.ToArray();
        Constraints = constraints ?? AgentKeyConstraints.None;
        if (remove && !Constraints.IsEmpty) throw new ArgumentException("a remove request has no constraints", nameof(constraints));
    }

    /// <summary>True for SSH_AGENTC_REMOVE_SMARTCARD_KEY, false for an add.</summary>
    public bool Remove { get; }

    public string Provider { get; }

    public ReadOnlySpan<byte> Pin => _pin;

    public AgentKeyConstraints Constraints { get; }

    /// <summary>The message number this message is sent with: an add with constraints is the constrained one, as ssh-add sends it.</summary>
    public AgentMessageType Type => Remove ? AgentMessageType.RemoveSmartcardKey
        : Constraints.IsEmpty ? AgentMessageType.AddSmartcardKey : AgentMessageType.AddSmartcardKeyConstrained;

    public static SmartcardKeyMessage Read(ref SshReader reader)
    {
        var type = (AgentMessageType)reader.ReadByte();
        if (type is not (AgentMessageType.AddSmartcardKey or AgentMessageType.AddSmartcardKeyConstrained or AgentMessageType.RemoveSmartcardKey))
            throw new SshProtocolException($"expected a smartcard key message, got {(byte)type}");
        var providerBytes = reader.ReadString(MaxProviderLength);
        if (providerBytes.IndexOf((byte)0) >= 0) throw new SshProtocolException("provider name contains a NUL");
        string provider = System.Text.Encoding.UTF8.GetString(providerBytes);
        var pin = reader.ReadString(AgentProtocol.MaxMessageLength);
        if (pin.IndexOf((byte)0) >= 0) throw new SshProtocolException("PIN contains a NUL");
        bool remove = type == AgentMessageType.RemoveSmartcardKey;
        var constraints = remove ? AgentKeyConstraints.None : AgentKeyConstraints.Read(ref reader);
        reader.EnsureEnd();
        return new SmartcardKeyMessage(remove, provider, pin, constraints);
    }

    public void Write(ref SshWriter writer)
    {
        writer.WriteByte((byte)Type);
        writer.WriteString(Provider);
        writer.WriteString(_pin);
        Constraints.Write(ref writer);
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_pin);

    public override string ToString() => $"{Type} {Provider}";
}
