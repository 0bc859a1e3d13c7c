namespace Hop.Ssh.Agent;

/// <summary>
/// Message numbers of the SSH agent protocol (RFC 9987 §6.1; OpenSSH PROTOCOL.agent). Requests
/// are SSH_AGENTC_*, replies SSH_AGENT_*.
/// </summary>
public enum AgentMessageType : byte
{
    Failure = 5,
    Success = 6,
    RequestIdentities = 11,
    IdentitiesAnswer = 12,
    SignRequest = 13,
    SignResponse = 14,
    AddIdentity = 17,
    RemoveIdentity = 18,
    RemoveAllIdentities = 19,
    AddSmartcardKey = 20,
    RemoveSmartcardKey = 21,
    Lock = 22,
    Unlock = 23,
    AddIdConstrained = 25,
    AddSmartcardKeyConstrained = 26,
    Extension = 27,
    ExtensionFailure = 28,
    ExtensionResponse = 29,
}

/// <summary>Flags of SSH_AGENTC_SIGN_REQUEST (RFC 9987 §3.6.1).</summary>
[Flags]
public enum AgentSignFlags : uint
{
    None = 0,
    /// <summary>SSH_AGENT_RSA_SHA2_256: sign an ssh-rsa key with rsa-sha2-256.</summary>
    RsaSha2_256 = 2,
    /// <summary>SSH_AGENT_RSA_SHA2_512: sign an ssh-rsa key with rsa-sha2-512.</summary>
    RsaSha2_512 = 4,
}

/// <summary>Key constraint identifiers of SSH_AGENTC_ADD_ID_CONSTRAINED (RFC 9987 §3.2.7).</summary>
public enum AgentConstraintType : byte
{
    Lifetime = 1,
    Confirm = 2,
    MaxSign = 3,
    Extension = 255,
}

/// <summary>Limits and names the agent protocol fixes.</summary>
public static class AgentProtocol
{
    /// <summary>The largest message either side accepts (OpenSSH's AGENT_MAX_LEN); larger ones close the connection.</summary>
    public const int MaxMessageLength = 256 * 1024;

    /// <summary>The environment variable naming the agent socket.</summary>
    public const string AuthSockVariable = "SSH_AUTH_SOCK";

    /// <summary>The environment variable naming the agent process.</summary>
    public const string AgentPidVariable = "SSH_AGENT_PID";

    /// <summary>The named pipe OpenSSH for Windows' agent serves.</summary>
    public const string WindowsPipeName = "openssh-ssh-agent";

    /// <summary>The extension listing the extensions an agent supports (RFC 9987 §3.8.1).</summary>
    public const string QueryExtension = "query";

    /// <summary>OpenSSH's extension binding a connection to an SSH session (PROTOCOL.agent §1).</summary>
    public const string SessionBindExtension = "session-bind@openssh.com";

    /// <summary>The signature algorithm an agent uses for <paramref name="keyType"/> given the request flags.</summary>
    public static string? SignatureAlgorithm(string keyType, AgentSignFlags flags)
    {
        if (keyType != Keys.RsaPublicKey.TypeName) return null;
        // OpenSSH's agent_decode_alg checks SHA-256 first.
        if ((flags & AgentSignFlags.RsaSha2_256) != 0) return "rsa-sha2-256";
        if ((flags & AgentSignFlags.RsaSha2_512) != 0) return "rsa-sha2-512";
        return "ssh-rsa";
    }
}
