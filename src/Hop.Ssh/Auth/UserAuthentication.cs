using Hop.Ssh.Transport;
using Hop.Ssh.Transport.Messages;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Auth;

/// <summary>
/// The client side of the user authentication protocol (RFC 4252): asks for the service, learns
/// the methods with "none" (or with a first publickey attempt), then tries publickey, keyboard-interactive and password in the
/// preferred order, following partial success for multi-factor logins.
/// </summary>
public sealed partial class UserAuthentication
{
    private const string Service = "ssh-connection";
    private readonly IPacketConnection _connection;
    private readonly UserAuthOptions _options;
    private readonly Func<IReadOnlyList<string>?> _serverSignatureAlgorithms;
    private readonly HashSet<IUserIdentity> _triedIdentities = [];
    private int _passwordAttempts;
    private int _kbdintAttempts;
    private string[] _canContinue = [];

    private UserAuthentication(IPacketConnection connection, UserAuthOptions options, Func<IReadOnlyList<string>?> serverSignatureAlgorithms)
    {
        _connection = connection;
        _options = options;
        _serverSignatureAlgorithms = serverSignatureAlgorithms;
    }

    /// <summary>Authenticates; returns the method that completed it, or throws <see cref="SshAuthenticationException"/>.</summary>
    public static async Task<string> AuthenticateAsync(IPacketConnection connection, UserAuthOptions options,
        Func<IReadOnlyList<string>?> serverSignatureAlgorithms, CancellationToken cancellationToken = default)
    {
        var auth = new UserAuthentication(connection, options, serverSignatureAlgorithms);
        return await auth.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> RunAsync(CancellationToken ct)
    {
        await RequestServiceAsync(ct).ConfigureAwait(false);
        if (StartWithPublicKey())
        {
            // The "none" request only tells which methods may follow; a key that signs without a
            // prompt goes first instead, and its failure (if any) brings the same list.
            _canContinue = ["publickey"];
        }
        else
        {
            var none = await SendRequestAsync("none", static (ref SshWriter _) => { }, ct).ConfigureAwait(false);
            if (none.Number == AuthMessageNumbers.Success) return "none";
            UpdateFromFailure(none.Payload);
        }
        while (true)
        {
            string? method = NextMethod();
            if (method is null)
                throw new SshAuthenticationException($"{_options.User}@{_options.Host}: Permission denied ({string.Join(',', _canContinue)}).");
            var outcome = method switch
            {
                "publickey" => await TryPublicKeyAsync(ct).ConfigureAwait(false),
                "keyboard-interactive" => await TryKeyboardInteractiveAsync(ct).ConfigureAwait(false),
                "password" => await TryPasswordAsync(ct).ConfigureAwait(false),
                _ => Outcome.Exhausted,
            };
            if (outcome == Outcome.Success)
            {
                Log(1, $"Authenticated to {_options.Host} using \"{method}\".");
                return method;
            }
        }
    }

    private enum Outcome { Success, Failed, Exhausted }

    private readonly HashSet<string> _exhausted = [];

    /// <summary>The first preferred method that the server lets us continue with and we have not used up.</summary>
    private string? NextMethod()
    {
        foreach (var m in _options.PreferredAuthentications)
        {
            if (Array.IndexOf(_canContinue, m) < 0 || _exhausted.Contains(m)) continue;
            bool enabled = m switch
            {
                "publickey" => _options.PubkeyAuthentication,
                "password" => _options.PasswordAuthentication && _options.Prompter is not null && InteractiveAllowed,
                "keyboard-interactive" => _options.KbdInteractiveAuthentication && _options.Prompter is not null && InteractiveAllowed,
                _ => false,
            };
            if (enabled) return m;
        }
        return null;
    }

    private bool StartWithPublicKey() =>
        _options.PubkeyAuthentication
        && _options.PreferredAuthentications.FirstOrDefault(m => m is "publickey" or "keyboard-interactive" or "password") == "publickey"
        && _options.Identities.Count > 0 && _options.Identities[0].CanSignWithoutPrompt;

    /// <summary>The host the password and keyboard-interactive prompts name: HostKeyAlias when set, as in ssh.</summary>
    private string PromptHost => _options.HostKeyAlias ?? _options.Host;

    private bool InteractiveAllowed => _options.InteractiveMethodsAllowed?.Invoke() ?? true;

    private async Task RequestServiceAsync(CancellationToken ct)
    {
        using (var b = new SshBuffer())
        {
            var w = b.Writer;
            new ServiceMessage(MessageNumbers.ServiceRequest, "ssh-userauth").Write(ref w);
            await _connection.SendAsync(b.WrittenMemory, ct).ConfigureAwait(false);
        }
        var reply = await _connection.ReceiveAsync(ct).ConfigureAwait(false);
        if (reply.Span[0] != MessageNumbers.ServiceAccept)
            throw new SshProtocolException($"expected SSH_MSG_SERVICE_ACCEPT, got message {reply.Span[0]}");
        var accept = ServiceMessage.Read(reply.Span);
        if (accept.ServiceName != "ssh-userauth") throw new SshProtocolException($"server accepted service {accept.ServiceName}, not ssh-userauth");
    }

    private delegate void MethodFields(ref SshWriter w);

    /// <summary>
    /// What OpenSSH pads a message that carries a password or keyboard-interactive answers to (its
    /// sshpkt_add_padding(ssh, 64)), so that the packet's length does not tell the secret's.
    /// </summary>
    internal const int SecretPadding = 64;

    /// <summary>
    /// Sends SSH_MSG_USERAUTH_REQUEST for <paramref name="method"/> and returns the next reply that is
    /// not a banner; one that carries a secret (<paramref name="secret"/>) is padded to hide its length.
    /// </summary>
    private async Task<(byte Number, byte[] Payload)> SendRequestAsync(string method, MethodFields fields, CancellationToken ct, bool secret = false)
    {
        using (var b = new SshBuffer(512))
        {
            var w = b.Writer;
            w.WriteByte(AuthMessageNumbers.Request);
            w.WriteString(_options.User);
            w.WriteString(Service);
            w.WriteString(method);
            fields(ref w);
            if (secret) await _connection.SendPaddedAsync(b.WrittenMemory, SecretPadding, ct).ConfigureAwait(false);
            else await _connection.SendAsync(b.WrittenMemory, ct).ConfigureAwait(false);
            b.Clear();
        }
        return await ReceiveReplyAsync(ct).ConfigureAwait(false);
    }

    private async Task<(byte Number, byte[] Payload)> ReceiveReplyAsync(CancellationToken ct)
    {
        while (true)
        {
            var m = await _connection.ReceiveAsync(ct).ConfigureAwait(false);
            byte n = m.Span[0];
            if (n == AuthMessageNumbers.Banner)
            {
                var banner = AuthBannerMessage.Read(m.Span);
                string text = banner.Message;
                if (_options.Banner is { } show) show(text);
                else _options.Prompter?.ShowBanner(text);
                continue;
            }
            if (n is AuthMessageNumbers.Success or AuthMessageNumbers.Failure or AuthMessageNumbers.MethodSpecific60)
                return (n, m.ToArray());
            throw new SshProtocolException($"unexpected message {n} during authentication");
        }
    }

    /// <summary>Reads SSH_MSG_USERAUTH_FAILURE: the methods that can continue, and partial success.</summary>
    private bool UpdateFromFailure(byte[] payload)
    {
        if (payload[0] != AuthMessageNumbers.Failure) throw new SshProtocolException($"unexpected message {payload[0]} during authentication");
        var f = AuthFailureMessage.Read(payload);
        _canContinue = f.CanContinue;
        Log(1, $"Authentications that can continue: {string.Join(',', f.CanContinue)}");
        if (f.PartialSuccess)
        {
            Log(1, "Authenticated using the last method with partial success.");
            _exhausted.Clear();
            _passwordAttempts = 0;
            _kbdintAttempts = 0;
        }
        return f.PartialSuccess;
    }

    private void Log(int level, string message) => _options.Log?.Invoke(level, message);
}
