using Hop.Ssh.Keys;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Auth;

/// <summary>The three methods: publickey (RFC 4252 §7), password (§8), keyboard-interactive (RFC 4256).</summary>
public sealed partial class UserAuthentication
{
    private async Task<Outcome> TryPublicKeyAsync(CancellationToken ct)
    {
        foreach (var id in _options.Identities)
        {
            if (!_triedIdentities.Add(id)) continue;
            string? alg = SignatureAlgorithmFor(id.PublicKey);
            if (alg is null)
            {
                Log(1, $"Skipping {id.PublicKey.KeyType} key {id.Source}: no mutual signature algorithm");
                continue;
            }
            byte[] blob = id.PublicKey.Blob.ToArray();
            Log(1, $"Offering public key: {id.Source} {id.PublicKey.KeyType} {id.PublicKey.Fingerprint(_options.FingerprintHash)}");
            // A key we can sign with at once goes straight to the signed request: the query
            // (RFC 4252 §7's optional first step) only saves a passphrase prompt or an agent's
            // confirmation for a key the server would refuse, and costs a round trip.
            if (!id.CanSignWithoutPrompt)
            {
                var query = await SendRequestAsync("publickey", (ref SshWriter w) =>
                {
                    w.WriteBoolean(false);
                    w.WriteString(alg);
                    w.WriteString(blob);
                }, ct).ConfigureAwait(false);
                if (query.Number == AuthMessageNumbers.Success) return Outcome.Success;
                if (query.Number == AuthMessageNumbers.Failure)
                {
                    if (UpdateFromFailure(query.Payload)) return Outcome.Failed;
                    if (Array.IndexOf(_canContinue, "publickey") < 0) return Outcome.Failed;
                    continue;
                }
                var ok = AuthPkOkMessage.Read(query.Payload);
                if (ok.Algorithm != alg || !ok.KeyBlob.AsSpan().SequenceEqual(blob))
                    throw new SshProtocolException("SSH_MSG_USERAUTH_PK_OK names another key than the one offered");
                Log(1, $"Server accepts key: {id.Source} {id.PublicKey.KeyType} {id.PublicKey.Fingerprint(_options.FingerprintHash)}");
            }
            byte[] signedData = BuildSignedData(alg, blob);
            byte[]? signature = await id.SignAsync(signedData, alg, ct).ConfigureAwait(false);
            if (signature is null) continue;
            var reply = await SendRequestAsync("publickey", (ref SshWriter w) =>
            {
                w.WriteBoolean(true);
                w.WriteString(alg);
                w.WriteString(blob);
                w.WriteString(signature);
            }, ct).ConfigureAwait(false);
            if (reply.Number == AuthMessageNumbers.Success) return Outcome.Success;
            if (reply.Number != AuthMessageNumbers.Failure) throw new SshProtocolException($"unexpected message {reply.Number} after a publickey signature");
            if (UpdateFromFailure(reply.Payload)) return Outcome.Failed;
            if (Array.IndexOf(_canContinue, "publickey") < 0) return Outcome.Failed;
        }
        _exhausted.Add("publickey");
        return Outcome.Exhausted;
    }

    /// <summary>The data a publickey signature covers (RFC 4252 §7).</summary>
    private byte[] BuildSignedData(string alg, byte[] blob)
    {
        using var b = new SshBuffer(512);
        var w = b.Writer;
        w.WriteString(_connection.SessionId.Span);
        w.WriteByte(AuthMessageNumbers.Request);
        w.WriteString(_options.User);
        w.WriteString(Service);
        w.WriteString("publickey");
        w.WriteBoolean(true);
        w.WriteString(alg);
        w.WriteString(blob);
        return b.ToArray();
    }

    /// <summary>
    /// The signature algorithm for a key: for RSA, the best SHA-2 one the server lists in
    /// server-sig-algs (RFC 8332 §3.3), else rsa-sha2-512; always within PubkeyAcceptedAlgorithms.
    /// </summary>
    /// A certificate uses its certificate algorithm ("ssh-ed25519-cert-v01@openssh.com", "rsa-sha2-512-cert-v01@openssh.com"),
    /// whose plain signature algorithm is what server-sig-algs must list.
    private string? SignatureAlgorithmFor(SshPublicKey key)
    {
        var accepted = _options.PubkeyAcceptedAlgorithms;
        bool certificate = key is SshCertificate;
        string plainType = certificate ? SshCertificate.PlainType(key.KeyType) : key.KeyType;
        if (plainType != RsaPublicKey.TypeName)
            return accepted.Contains(key.KeyType) ? key.KeyType : null;
        var server = _serverSignatureAlgorithms();
        foreach (var alg in key.SignatureAlgorithms)
        {
            string name = certificate ? SshCertificate.AlgorithmFor(alg) : alg;
            if (!accepted.Contains(name)) continue;
            if (server is null || server.Contains(alg)) return name;
        }
        return null;
    }

    private async Task<Outcome> TryPasswordAsync(CancellationToken ct)
    {
        while (_passwordAttempts < _options.NumberOfPasswordPrompts)
        {
            _passwordAttempts++;
            string? password = await _options.Prompter!.ReadSecretAsync($"{_options.User}@{PromptHost}'s password: ", ct).ConfigureAwait(false);
            if (password is null) break;
            var reply = await SendRequestAsync("password", (ref SshWriter w) =>
            {
                w.WriteBoolean(false);
                w.WriteString(password);
            }, ct, secret: true).ConfigureAwait(false);
            // The server takes the password but wants it changed; it may ask again for a new one it refuses.
            while (reply.Number == AuthMessageNumbers.MethodSpecific60)
            {
                if (await ChangePasswordAsync(reply.Payload, ct).ConfigureAwait(false) is not { } answer) return PasswordGivenUp();
                reply = answer;
            }
            if (reply.Number == AuthMessageNumbers.Success) return Outcome.Success;
            if (UpdateFromFailure(reply.Payload)) return Outcome.Failed;
            if (Array.IndexOf(_canContinue, "password") < 0) return Outcome.Failed;
            if (_passwordAttempts < _options.NumberOfPasswordPrompts) Log(0, "Permission denied, please try again.");
        }
        return PasswordGivenUp();
    }

    private Outcome PasswordGivenUp()
    {
        _exhausted.Add("password");
        return Outcome.Exhausted;
    }

    private async Task<Outcome> TryKeyboardInteractiveAsync(CancellationToken ct)
    {
        while (_kbdintAttempts < _options.NumberOfPasswordPrompts)
        {
            _kbdintAttempts++;
            string devices = _options.KbdInteractiveDevices;
            var reply = await SendRequestAsync("keyboard-interactive", (ref SshWriter w) =>
            {
                w.WriteString(""); // language tag
                w.WriteString(devices);
            }, ct).ConfigureAwait(false);
            while (reply.Number == AuthMessageNumbers.MethodSpecific60)
            {
                var info = AuthInfoRequestMessage.Read(reply.Payload);
                // Each prompt says whom it is for, as ssh shows it: "(user@host) Password: ".
                IReadOnlyList<AuthPrompt> prompts = [.. info.Prompts.Select(p => p with { Text = $"({_options.User}@{PromptHost}) {p.Text}" })];
                IReadOnlyList<string>? answers = prompts.Count == 0
                    ? []
                    : await _options.Prompter!.ReadResponsesAsync(info.Name, info.Instruction, prompts, ct).ConfigureAwait(false);
                if (answers is null || answers.Count != info.Prompts.Count)
                {
                    _exhausted.Add("keyboard-interactive");
                    return Outcome.Exhausted;
                }
                using (var b = new SshBuffer(256))
                {
                    var w = b.Writer;
                    AuthInfoResponseMessage.Write(ref w, answers);
                    await _connection.SendPaddedAsync(b.WrittenMemory, SecretPadding, ct).ConfigureAwait(false);
                    b.Clear();
                }
                reply = await ReceiveReplyAsync(ct).ConfigureAwait(false);
            }
            if (reply.Number == AuthMessageNumbers.Success) return Outcome.Success;
            if (UpdateFromFailure(reply.Payload)) return Outcome.Failed;
            if (Array.IndexOf(_canContinue, "keyboard-interactive") < 0) return Outcome.Failed;
        }
        _exhausted.Add("keyboard-interactive");
        return Outcome.Exhausted;
    }
}
