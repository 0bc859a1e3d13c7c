namespace Hop.Ssh.Auth;

/// <summary>What authentication may use, as ssh_config's keywords say.</summary>
public sealed class UserAuthOptions
{
    public required string User { get; init; }

    /// <summary>The host as the user named it, for prompts ("user@host's password: ").</summary>
    public required string Host { get; init; }

    /// <summary>HostKeyAlias: when set, the prompts name it instead of <see cref="Host"/>, as ssh's do (not the "Permission denied" line).</summary>
    public string? HostKeyAlias { get; init; }

    public IReadOnlyList<IUserIdentity> Identities { get; init; } = [];

    /// <summary>PreferredAuthentications: methods in the order to try them.</summary>
    public IReadOnlyList<string> PreferredAuthentications { get; init; } = ["publickey", "keyboard-interactive", "password"];

    public bool PubkeyAuthentication { get; init; } = true;
    public bool PasswordAuthentication { get; init; } = true;
    public bool KbdInteractiveAuthentication { get; init; } = true;

    /// <summary>KbdInteractiveDevices: the submethods field of keyboard-interactive requests (RFC 4256), "" for the server's choice.</summary>
    public string KbdInteractiveDevices { get; init; } = "";

    /// <summary>PubkeyAcceptedAlgorithms: the signature algorithms we may use.</summary>
    public IReadOnlyList<string> PubkeyAcceptedAlgorithms { get; init; } = Crypto.HostKeyAlgorithms.DefaultWithCertificates;

    /// <summary>NumberOfPasswordPrompts.</summary>
    public int NumberOfPasswordPrompts { get; init; } = 3;

    /// <summary>Asks for passwords and answers; null in batch mode.</summary>
    public IAuthPrompter? Prompter { get; init; }

    /// <summary>
    /// Shows the server's banner (SSH_MSG_USERAUTH_BANNER, as sent: escape control characters before
    /// showing it), also in
    /// batch mode, where there is no <see cref="Prompter"/>; when null, the prompter's
    /// <see cref="IAuthPrompter.ShowBanner"/> does.
    /// </summary>
    public Action<string>? Banner { get; init; }

    /// <summary>
    /// Consulted before password and keyboard-interactive are tried; false turns them off (as OpenSSH
    /// does after StrictHostKeyChecking=no let a changed host key through).
    /// </summary>
    public Func<bool>? InteractiveMethodsAllowed { get; init; }

    /// <summary>FingerprintHash: the digest of the key fingerprints logged ("Offering public key: ...").</summary>
    public System.Security.Cryptography.HashAlgorithmName FingerprintHash { get; init; } = System.Security.Cryptography.HashAlgorithmName.SHA256;

    public Action<int, string>? Log { get; init; }
}
