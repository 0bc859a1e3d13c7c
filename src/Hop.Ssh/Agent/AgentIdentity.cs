using Hop.Ssh.Keys;

namespace Hop.Ssh.Agent;

/// <summary>
/// One key an agent holds, as SSH_AGENT_IDENTITIES_ANSWER lists it: the public key blob and its
/// comment. <see cref="PublicKey"/> is null for key types Hop does not parse (security
/// keys, DSA), which an agent may still hold and sign with.
/// </summary>
public sealed class AgentIdentity
{
    private SshPublicKey? _key;
    private bool _parsed;

    public AgentIdentity(ReadOnlyMemory<byte> keyBlob, string comment)
    {
        KeyBlob = keyBlob;
        Comment = comment;
    }

    public AgentIdentity(SshPublicKey key, string comment)
    {
        ArgumentNullException.ThrowIfNull(key);
        KeyBlob = key.Blob.ToArray();
        Comment = comment;
        _key = key;
        _parsed = true;
    }

    /// <summary>The public key blob exactly as the agent sent it.</summary>
    public ReadOnlyMemory<byte> KeyBlob { get; }

    public string Comment { get; }

    /// <summary>The parsed public key, or null when its type is not one Hop reads.</summary>
    public SshPublicKey? PublicKey
    {
        get
        {
            if (!_parsed)
            {
                _parsed = true;
                try { _key = SshPublicKey.FromBlob(KeyBlob.Span); }
                catch (SshKeyFormatException) { _key = null; }
            }
            return _key;
        }
    }

    /// <summary>The key type named in the blob ("ssh-ed25519", ...), even for types Hop does not parse.</summary>
    public string KeyType
    {
        get
        {
            try
            {
                var r = new Wire.SshReader(KeyBlob.Span);
                return System.Text.Encoding.ASCII.GetString(r.ReadString(256));
            }
            catch (SshProtocolException)
            {
                return "unknown";
            }
        }
    }

    public override string ToString() => $"{KeyType} {KeyFingerprint.Format(KeyBlob.Span, System.Security.Cryptography.HashAlgorithmName.SHA256)} {Comment}";
}
