using Hop.Ssh;
using Hop.Ssh.Auth;
using Hop.Ssh.Config;
using Hop.Ssh.Keys;
using Hop.Ssh.Transport;

namespace Hop.Cli.Commands;

/// <summary>
/// Checks the server's host key against known_hosts as OpenSSH does, with StrictHostKeyChecking
/// yes / ask / accept-new / no, and explains a refusal in OpenSSH's words.
/// </summary>
internal sealed partial class HostKeyVerifier
{
    private readonly ResolvedConfig _config;
    private readonly IAuthPrompter? _prompter;
    private readonly DiagnosticLog _log;

    public HostKeyVerifier(ResolvedConfig config, IAuthPrompter? prompter, DiagnosticLog log)
    {
        _config = config;
        _prompter = prompter;
        _log = log;
    }

    private string HostForKnownHosts => _config.HostKeyAlias ?? _config.HostName.ToLowerInvariant();

    /// <summary>A HostKeyAlias is looked up as given, without the port.</summary>
    private int KnownHostsPort => _config.HostKeyAlias is null ? _config.Port : 22;

    /// <summary>Puts the algorithms of keys already known for this host first, as OpenSSH does.</summary>
    public IReadOnlyList<string> OrderHostKeyAlgorithms(IReadOnlyList<string> algorithms)
    {
        if (!_config.HostKeyAlgorithmsIsDefault) return algorithms;
        // KnownHostsCommand runs here too, for "ORDER" and before any key is known; ssh looks its lines up under the
        // host name alone (no port, no HostKeyAlias), and so does Hop.
        string plainName = _config.HostName.ToLowerInvariant();
        var commandLines = KnownHostsCommand.Run(_config, "ORDER", plainName, null, _log.Sink).Where(e => e.Matches(plainName)).ToList();
        var knownTypes = KnownHosts.KeyTypesFor(HostForKnownHosts, KnownHostsPort, AllFiles)
            .Concat(commandLines.Where(e => e.Marker == KnownHostsMarker.None).Select(e => e.KeyType)).Distinct(StringComparer.Ordinal);
        var ordered = KnownHosts.OrderHostKeyAlgorithms(algorithms, [.. knownTypes]);
        // A @cert-authority line for the host: certificate algorithms first, as OpenSSH orders them.
        if (KnownHosts.CertificateAuthoritiesFor(HostForKnownHosts, KnownHostsPort, AllFiles).Count == 0 &&
            !commandLines.Any(e => e.Marker == KnownHostsMarker.CertAuthority)) return ordered;
        return [.. Hop.Ssh.Crypto.HostKeyAlgorithms.CertificateDefault, .. ordered.Where(a => !SshCertificate.IsCertificateName(a))];
    }

    /// <summary>RequiredRSASize: false for an RSA key (or a certificate of one) of fewer bits.</summary>
    internal static bool RsaLongEnough(Hop.Ssh.Keys.SshPublicKey key, int requiredBits) =>
        key.PlainKey is not RsaPublicKey || key.PlainKey.KeySizeBits >= requiredBits;

    /// <summary>
    /// RevokedHostKeys, checked before anything else as ssh checks it: a key (or a certificate, or its
    /// CA) the file lists is refused, and so is every key while the file cannot be read.
    /// </summary>
    private bool IsRevokedByFile(Hop.Ssh.Keys.SshPublicKey key)
    {
        if (_config.RevokedHostKeys is not { } file) return false;
        string described = $"{KeyFingerprint.TypeLabel(key.KeyType)} {key.Fingerprint(_config.FingerprintHash)}";
        try
        {
            if (!RevokedKeys.Contains(file, key)) return false;
            _log.Say($"Host key {described} revoked by file {file}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SshKeyFormatException)
        {
            string reason = e switch
            {
                FileNotFoundException or DirectoryNotFoundException => "No such file or directory",
                UnauthorizedAccessException => "Permission denied",
                _ => e.Message,
            };
            _log.Say($"Error checking host key {described} in revoked keys file {file}: {reason}");
        }
        return true;
    }

    private IReadOnlyList<string> AllFiles => [.. _config.UserKnownHostsFiles, .. _config.GlobalKnownHostsFiles];

    public async ValueTask<bool> VerifyAsync(HostKeyCheck check, CancellationToken ct)
    {
        var key = check.Key;
        // ssh ends right here (fatal), without going on to say "Host key verification failed.".
        if (!RsaLongEnough(key, _config.RequiredRsaSize)) throw new SshConnectionException("Bad server host key: Invalid key length");
        if (IsRevokedByFile(key)) return false;
        if (_config.NoHostAuthenticationForLocalhost && _config.HostKeyAlias is null && IsLoopbackConnection)
        {
            // As ssh: no known_hosts lookup at all (a shared home on several machines has many "localhost"s), and no
            // UpdateHostKeys, since nothing vouched for the key.
            _log.Write(1, "Forcing accepting of host key for loopback/localhost.");
            return true;
        }
        string host = HostForKnownHosts;
        string shown = KnownHostsPort == 22 ? host : $"[{host}]:{KnownHostsPort}";
        // KnownHostsCommand's lines count after the files', under the name known_hosts is searched for.
        var commandLines = KnownHostsCommand.Run(_config, "HOSTNAME", shown, key, _log.Sink);
        if (key is SshCertificate certificate)
        {
            if (VerifyCertificate(certificate, host, shown, commandLines) is bool decided) return decided;
            // As OpenSSH: a certificate no trusted CA vouches for is checked as its plain key.
            key = certificate.Key;
        }
        var result = KnownHosts.Check(host, KnownHostsPort, key, AllFiles, commandLines);
        bool fromCommand = result.Entry is { } found && commandLines.Contains(found);
        foreach (var problem in result.Problems) _log.Write(1, problem.ToString());
        switch (result.Status)
        {
            case KnownHostStatus.Known:
                _log.Write(1, $"Host '{shown}' is known and matches the {KeyFingerprint.TypeLabel(key.KeyType)} host key.");
                _log.Write(1, $"Found key in {result.Entry}");
                if (_config.GlobalKnownHostsFiles.Contains(result.Entry!.File) && !_config.UserKnownHostsFiles.Contains(result.Entry.File))
                    _log.Write(3, "check_host_key: host key found in GlobalKnownHostsFile; disabling UpdateHostkeys");
                else if (fromCommand)
                    _log.Write(3, "check_host_key: host key found via KnownHostsCommand; disabling UpdateHostkeys");
                else
                    TrustedForUpdates = true;
                if (!await CheckAddressAsync(key, shown, readOnly: fromCommand, ct).ConfigureAwait(false)) return false;
                if (_config.VisualHostKey) _log.Write(0, $"Host key fingerprint is {key.Fingerprint(_config.FingerprintHash)}\n{Randomart.Render(key, _config.FingerprintHash)}");
                return true;
            case KnownHostStatus.Revoked:
                PrintRevoked(key, shown);
                if (_config.StrictHostKeyChecking is not StrictHostKeyChecking.No)
                {
                    _log.Say($"{KeyFingerprint.TypeLabel(key.KeyType)} host key for {shown} was revoked and you have requested strict checking.");
                    return false;
                }
                return ContinueUnsafe();
            case KnownHostStatus.Changed:
                PrintChanged(key, shown, result);
                if (_config.StrictHostKeyChecking is StrictHostKeyChecking.No) return ContinueUnsafe();
                _log.Say($"Host key for {shown} has changed and you have requested strict checking.");
                return false;
        }
        // Unknown host.
        switch (_config.StrictHostKeyChecking)
        {
            case StrictHostKeyChecking.No:
            case StrictHostKeyChecking.AcceptNew:
                Learn(host, key);
                return true;
            case StrictHostKeyChecking.Yes:
                _log.Say($"No {KeyFingerprint.TypeLabel(key.KeyType)} host key is known for {shown} and you have requested strict checking.");
                return false;
        }
        if (_prompter is null)
        {
            _log.Say($"No {KeyFingerprint.TypeLabel(key.KeyType)} host key is known for {shown} and you have requested strict checking.");
            return false;
        }
        string fp = key.Fingerprint(_config.FingerprintHash);
        string prompt =
            $"The authenticity of host '{shown} ({AddressShown})' can't be established.\n" +
            $"{KeyFingerprint.TypeLabel(key.KeyType)} key fingerprint is {fp}.\n" +
            (_config.VisualHostKey ? Randomart.Render(key, _config.FingerprintHash) + "\n" : "") +
            "This key is not known by any other names.\n" +
            "Are you sure you want to continue connecting (yes/no/[fingerprint])? ";
        while (true)
        {
            var answer = Terminal.Prompter.ReadSecret(prompt, echo: true, askpassPromptHint: "confirm");
            if (answer is null) return false;
            answer = answer.Trim();
            if (answer.Equals("yes", StringComparison.OrdinalIgnoreCase) || answer == fp)
            {
                // Only a key the user confirmed is trusted for UpdateHostKeys; accept-new and no are not (OpenSSH 9).
                TrustedForUpdates = true;
                Learn(host, key);
                return true;
            }
            if (answer.Equals("no", StringComparison.OrdinalIgnoreCase)) return false;
            prompt = "Please type 'yes', 'no' or the fingerprint: ";
            await Task.Yield();
            ct.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// A host certificate: true when a @cert-authority line vouches for it, false when it or its CA is revoked,
    /// null to fall back to the plain key (no CA for the host, or a certificate that is not good for it).
    /// </summary>
    private bool? VerifyCertificate(SshCertificate certificate, string host, string shown, IReadOnlyList<KnownHostsEntry> commandLines)
    {
        var result = HostCertificates.Check(host, KnownHostsPort, certificate, AllFiles, DateTimeOffset.UtcNow, commandLines,
            _config.CaSignatureAlgorithms);
        switch (result.Status)
        {
            case HostCertificateStatus.Trusted:
                _log.Write(1, $"Host '{shown}' is known and matches the {KeyFingerprint.TypeLabel(certificate)} host certificate.");
                _log.Write(1, $"Found CA key in {result.Entry}");
                return true;
            case HostCertificateStatus.Revoked:
                PrintRevoked(certificate, shown);
                return false;
            case HostCertificateStatus.Invalid:
                _log.Say(result.Reason ?? "invalid host certificate");
                break;
        }
        _log.Write(1, "No matching CA found. Retry with plain key");
        return null;
    }

    /// <summary>
    /// True when the host key was found in a UserKnownHostsFile or accepted by the user (not let through with
    /// StrictHostKeyChecking=no over a changed key, not found only in GlobalKnownHostsFile): only then may UpdateHostKeys
    /// learn the server's other keys, as OpenSSH's check_host_key decides.
    /// </summary>
    public bool TrustedForUpdates { get; private set; }

    /// <summary>The name and port known_hosts lists this host under (HostKeyAlias, or HostName and Port).</summary>
    public (string Host, int Port) KnownHostsName => (HostForKnownHosts, KnownHostsPort);

    /// <summary>
    /// StrictHostKeyChecking=no over a changed or revoked key: go on without anything a man in the middle could use
    /// (OpenSSH's continue_unsafe).
    /// </summary>
    private bool ContinueUnsafe()
    {
        var disabled = _config.DisableForChangedHostKey(out bool cancelled);
        foreach (var message in disabled) _log.Say(message);
        DisabledByChangedKey = true;
        if (cancelled && _config.ExitOnForwardFailure)
            throw new SshConnectionException("Error: forwarding disabled due to host key check failure");
        return true;
    }

    /// <summary>True when StrictHostKeyChecking=no let a changed key through (password auth must be off).</summary>
    public bool DisabledByChangedKey { get; private set; }

    private void Learn(string host, Hop.Ssh.Keys.SshPublicKey key)
    {
        var file = _config.UserKnownHostsFiles.FirstOrDefault();
        if (file is null) return;
        try
        {
            string? ip = CheckHostIPActive ? RemoteAddress!.ToString() : null;
            KnownHosts.Add(file, host, KnownHostsPort, key, _config.HashKnownHosts, ip);
            string shown = (KnownHostsPort == 22 ? host : $"[{host}]:{KnownHostsPort}") + (ip is null ? "" : "," + AddressShown);
            _log.Say($"Warning: Permanently added '{shown}' ({KeyFingerprint.TypeLabel(key.KeyType)}) to the list of known hosts.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SshException)
        {
            _log.Say($"Failed to add the host to the list of known hosts ({file}): {e.Message}");
        }
    }

    private void PrintRevoked(Hop.Ssh.Keys.SshPublicKey key, string shown)
    {
        _log.Say("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
        _log.Say("@       WARNING: REVOKED HOST KEY DETECTED!               @");
        _log.Say("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
        _log.Say($"The {KeyFingerprint.TypeLabel(key.KeyType)} host key for {shown} is marked as revoked.");
        _log.Say("This could mean that a stolen key is being used to");
        _log.Say("impersonate this host.");
    }

    private void PrintChanged(Hop.Ssh.Keys.SshPublicKey key, string shown, KnownHostsResult result)
    {
        _log.Say("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
        _log.Say("@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @");
        _log.Say("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
        _log.Say("IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!");
        _log.Say("Someone could be eavesdropping on you right now (man-in-the-middle attack)!");
        _log.Say("It is also possible that a host key has just been changed.");
        _log.Say($"The fingerprint for the {KeyFingerprint.TypeLabel(key.KeyType)} key sent by the remote host is");
        _log.Say($"{key.Fingerprint(_config.FingerprintHash)}.");
        _log.Say("Please contact your system administrator.");
        var old = result.Entry!;
        _log.Say($"Add correct host key in {old.File} to get rid of this message.");
        _log.Say($"Offending {KeyFingerprint.TypeLabel(old.KeyType)} key in {old.File}:{old.Line}");
        _log.Say("  remove with:");
        _log.Say($"  hop keygen -f \"{old.File}\" -R \"{shown}\"");
    }
}
