using Hop.Ssh.Keys;
using Hop.Ssh.Keys.Formats;

namespace Hop.Ssh.Auth;

/// <summary>
/// A private key file used for publickey authentication. The public key comes from the file (when
/// stored in clear) or its ".pub" twin, so the passphrase is asked only once the server accepts the
/// key. The decrypted key is kept for later signatures and zeroed on dispose.
/// </summary>
public sealed class FileIdentity : IUserIdentity, IDisposable
{
    private readonly PrivateKeyFile _file;
    private readonly IAuthPrompter? _prompter;
    private SshPrivateKey? _key;
    private bool _failed;

    private FileIdentity(PrivateKeyFile file, SshPublicKey publicKey, IAuthPrompter? prompter)
    {
        _file = file;
        PublicKey = publicKey;
        _prompter = prompter;
    }

    public SshPublicKey PublicKey { get; }
    public string Source => _file.SourceName;

    /// <summary>
    /// A key in clear (or already unlocked) signs without a prompt; with AddKeysToAgent the key is
    /// loaded only once the server accepts it, as OpenSSH does, so it is queried first.
    /// </summary>
    public bool CanSignWithoutPrompt => _key is not null || (!_file.IsEncrypted && OnDecrypted is null);

    /// <summary>Called with each key this identity decrypts (for AddKeysToAgent).</summary>
    public Func<SshPrivateKey, string, ValueTask>? OnDecrypted { get; init; }

    /// <summary>
    /// Loads <paramref name="path"/>; returns null when the file does not exist or its key cannot be
    /// unlocked. Throws <see cref="SshKeyFormatException"/> for unsafe permissions or a malformed file.
    /// </summary>
    public static async ValueTask<FileIdentity?> TryLoadAsync(string path, IAuthPrompter? prompter,
        Func<SshPrivateKey, string, ValueTask>? onDecrypted = null, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path)) return null;
        var file = PrivateKeyFile.Load(path);
        var pub = file.PublicKey;
        if (pub is null && File.Exists(path + ".pub"))
        {
            try
            {
                pub = PublicKeyFile.Load(path + ".pub").Key;
            }
            catch (SshKeyFormatException)
            {
                pub = null;
            }
        }
        if (pub is not null) return new FileIdentity(file, pub, prompter) { OnDecrypted = onDecrypted };
        // No public key in clear: the key must be unlocked now to learn it.
        var key = await UnlockAsync(file, prompter, onDecrypted, cancellationToken).ConfigureAwait(false);
        if (key is null) return null;
        return new FileIdentity(file, key.PublicKey, prompter) { OnDecrypted = onDecrypted, _key = key };
    }

    public async ValueTask<byte[]?> SignAsync(ReadOnlyMemory<byte> data, string algorithm, CancellationToken cancellationToken)
    {
        if (_key is null && !_failed)
        {
            _key = await UnlockAsync(_file, _prompter, OnDecrypted, cancellationToken).ConfigureAwait(false);
            _failed = _key is null;
        }
        return _key?.Sign(data.Span, algorithm);
    }

    private static async ValueTask<SshPrivateKey?> UnlockAsync(PrivateKeyFile file, IAuthPrompter? prompter,
        Func<SshPrivateKey, string, ValueTask>? onDecrypted, CancellationToken ct)
    {
        SshPrivateKey? key = null;
        if (!file.IsEncrypted)
        {
            key = file.Decrypt();
        }
        else
        {
            for (int attempt = 0; attempt < 3 && prompter is not null && key is null; attempt++)
            {
                var pass = await prompter.ReadSecretAsync($"Enter passphrase for key '{file.SourceName}': ", ct).ConfigureAwait(false);
                if (string.IsNullOrEmpty(pass)) break;
                try
                {
                    key = file.Decrypt(pass);
                }
                catch (SshPassphraseException)
                {
                    key = null;
                }
            }
        }
        if (key is not null && onDecrypted is not null) await onDecrypted(key, file.SourceName).ConfigureAwait(false);
        return key;
    }

    public void Dispose() => _key?.Dispose();
}
