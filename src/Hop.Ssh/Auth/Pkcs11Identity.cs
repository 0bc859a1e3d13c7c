using Hop.Ssh.Keys;
using Hop.Ssh.Keys.Pkcs11;

namespace Hop.Ssh.Auth;

/// <summary>
/// A key on a PKCS#11 token (PKCS11Provider, -I): the token signs; its PIN is asked through the
/// prompter the first time, as ssh asks it ("Enter PIN for 'LABEL': "). The key is offered to the
/// server before it signs, so a key the server refuses costs no PIN.
/// </summary>
public sealed class Pkcs11Identity(Pkcs11Key key, IAuthPrompter? prompter, Action<int, string>? log) : IUserIdentity
{
    public Pkcs11Key Key => key;
    public SshPublicKey PublicKey => key.PublicKey;

    /// <summary>ssh names a token key by its label.</summary>
    public string Source => key.Label;

    public async ValueTask<byte[]?> SignAsync(ReadOnlyMemory<byte> data, string algorithm, CancellationToken cancellationToken)
    {
        // A certificate of this key signs with the key's plain algorithm.
        algorithm = SshCertificate.SignatureAlgorithmOf(algorithm);
        Pkcs11PinPrompt? ask = prompter is null ? null : prompter.ReadSecretAsync;
        var signature = await key.SignAsync(data, algorithm, ask, cancellationToken).ConfigureAwait(false);
        if (signature is null)
            log?.Invoke(0, $"sign_and_send_pubkey: signing failed for {KeyFingerprint.TypeLabel(key.PublicKey)} \"{key.Label}\": error in libcrypto");
        return signature;
    }
}
