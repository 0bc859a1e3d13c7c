using Hop.Ssh.Keys;

namespace Hop.Ssh.Auth;

/// <summary>
/// A public key to authenticate with: from a file, an agent or a certificate. The private side is
/// reached only once the server said it would accept the key, so an encrypted file's passphrase
/// is asked only when needed.
/// </summary>
public interface IUserIdentity
{
    /// <summary>The public key (or certificate) blob's key.</summary>
    SshPublicKey PublicKey { get; }

    /// <summary>Where the key comes from, for -v logs ("/root/.ssh/id_ed25519", "agent").</summary>
    string Source { get; }

    /// <summary>Signs <paramref name="data"/> with <paramref name="algorithm"/>; returns the signature blob, or null when the key could not be unlocked.</summary>
    ValueTask<byte[]?> SignAsync(ReadOnlyMemory<byte> data, string algorithm, CancellationToken cancellationToken);

    /// <summary>
    /// True when signing asks nobody (no passphrase, no agent confirmation): authentication then
    /// sends the signed request without first asking the server whether it would accept the key.
    /// </summary>
    bool CanSignWithoutPrompt => false;
}

/// <summary>An identity whose private key is already in memory.</summary>
public sealed class PrivateKeyIdentity(SshPrivateKey key, string source) : IUserIdentity
{
    public SshPublicKey PublicKey => key.PublicKey;
    public string Source => source;

    public ValueTask<byte[]?> SignAsync(ReadOnlyMemory<byte> data, string algorithm, CancellationToken cancellationToken) =>
        ValueTask.FromResult<byte[]?>(key.Sign(data.Span, algorithm));

    public bool CanSignWithoutPrompt => true;
}
