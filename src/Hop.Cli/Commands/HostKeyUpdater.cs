using Hop.Ssh;
using Hop.Ssh.Client;
using Hop.Ssh.Config;
using Hop.Ssh.Connection;
using Hop.Ssh.Connection.Messages;
using Hop.Ssh.Keys;
using Hop.Ssh.Transport;

namespace Hop.Cli.Commands;

/// <summary>
/// UpdateHostKeys as OpenSSH's client does it (clientloop.c): when the server announces its host keys after
/// authentication, learn the ones not yet in known_hosts once the server has proved it holds them, and drop the lines
/// of keys it no longer offers, only when the host key was trusted from a UserKnownHostsFile or by the user.
/// </summary>
internal sealed class HostKeyUpdater
{
    private readonly ResolvedConfig _config;
    private readonly HostKeyVerifier _verifier;
    private readonly DiagnosticLog _log;
    private Task _work = Task.CompletedTask;
    private int _seen;

    private readonly bool _askDisabled;

    /// <param name="remoteCommand">True when a remote command runs: UpdateHostKeys=ask cannot ask then (as in ssh.c).</param>
    public HostKeyUpdater(ResolvedConfig config, HostKeyVerifier verifier, DiagnosticLog log, bool remoteCommand)
    {
        _config = config;
        _verifier = verifier;
        _log = log;
        if (config.UpdateHostKeys == UpdateHostKeys.Ask && remoteCommand)
        {
            log.Write(1, "UpdateHostKeys=ask is incompatible with remote command execution; disabling");
            _askDisabled = true;
        }
    }

    /// <summary>can_update_hostkeys: UpdateHostKeys on, somewhere to write, and no question to ask in batch mode.</summary>
    private bool Enabled => _config.UpdateHostKeys switch
    {
        UpdateHostKeys.Yes => _config.UserKnownHostsFiles.Count > 0,
        UpdateHostKeys.Ask => _config.UserKnownHostsFiles.Count > 0 && !_config.BatchMode && !_askDisabled,
        _ => false,
    };

    /// <summary>Registers for hostkeys-00@openssh.com; pass as <see cref="SshClientSettings.OnConnectionStarting"/>.</summary>
    public void Attach(SshTransport transport, SshConnection connection)
    {
        connection.SetGlobalRequestHandler(HostKeysList.Announcement, data =>
        {
            _log.Write(1, $"client_input_global_request: rtype {HostKeysList.Announcement}");
            if (!Enabled) return true;
            if (Interlocked.Exchange(ref _seen, 1) != 0)
            {
                _log.Write(1, "client_input_hostkeys: server already sent hostkeys");
                return true;
            }
            byte[] copy = data.ToArray();
            _work = Task.Run(() => RunAsync(copy, transport, connection));
            // The server need not know what the client does with its known_hosts.
            return true;
        });
    }

    /// <summary>Waits (bounded) for an update under way, so a short session does not cut it off.</summary>
    public async Task FinishAsync()
    {
        try
        {
            await _work.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _log.Write(1, "client_input_hostkeys: no answer to hostkeys-prove-00@openssh.com; known_hosts left as it was");
        }
    }

    private async Task RunAsync(byte[] data, SshTransport transport, SshConnection connection)
    {
        try
        {
            await UpdateAsync(data, transport, connection).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or IOException or UnauthorizedAccessException or OperationCanceledException or ObjectDisposedException)
        {
            _log.Write(1, $"client_input_hostkeys: {e.Message}");
        }
    }

    private async Task UpdateAsync(byte[] data, SshTransport transport, SshConnection connection)
    {
        if (!_verifier.TrustedForUpdates)
        {
            _log.Write(1, "check_host_key: hostkey not known or explicitly trusted: disabling UpdateHostkeys");
            return;
        }
        var keys = HostKeyUpdates.ParseAnnouncement(data, _config.HostKeyAlgorithms, _log.Sink, _config.FingerprintHash);
        if (keys is null) return;
        if (keys.Count == 0)
        {
            _log.Write(1, "client_input_hostkeys: server sent no hostkeys");
            return;
        }
        var (host, port) = _verifier.KnownHostsName;
        string? ip = _verifier.CheckedAddress;
        var files = _config.UserKnownHostsFiles;
        var plan = KnownHostsUpdate.Plan(files, host, port, keys, ip);
        _log.Write(3, $"client_input_hostkeys: {keys.Count} server keys: {plan.NewKeys.Count} new, {keys.Count - plan.NewKeys.Count} retained. {plan.OldKeys.Count} to remove");
        if (plan.SkipReason is not null)
        {
            _log.Write(1, "client_input_hostkeys: " + plan.SkipReason);
            return;
        }
        var keep = keys.ToList();
        IReadOnlyList<SshPublicKey> learned = [];
        if (plan.NewKeys.Count > 0)
        {
            var proved = await HostKeyUpdates.ProveAsync(connection, transport.SessionId, transport.Algorithms?.HostKey ?? "",
                plan.NewKeys, _log.Sink, CancellationToken.None).ConfigureAwait(false);
            if (proved is null) return;
            keep.RemoveAll(k => plan.NewKeys.Contains(k) && !proved.Contains(k));
            learned = proved;
        }
        if (!Confirm(learned, plan.OldKeys)) return;
        for (int i = 0; i < files.Count; i++)
        {
            if (!File.Exists(files[i]))
            {
                _log.Write(1, $"update_known_hosts: known hosts file {files[i]} does not exist");
                continue;
            }
            try
            {
                // Keys are added to the first file only; the others just lose the host's lines, as in OpenSSH.
                KnownHostsUpdate.ReplaceHostKeys(files[i], host, port, i == 0 ? keep : [], _config.HashKnownHosts, ip);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or SshException)
            {
                Console.Error.WriteLine($"update_known_hosts: hostfile_replace_entries failed for {files[i]}: {e.Message}");
            }
        }
    }

    /// <summary>The messages ssh -v shows; with UpdateHostKeys=ask, the question (yes/no, three tries).</summary>
    private bool Confirm(IReadOnlyList<SshPublicKey> learned, IReadOnlyList<KnownHostsEntry> old)
    {
        bool asking = _config.UpdateHostKeys == UpdateHostKeys.Ask;
        var lines = new List<string>();
        foreach (var key in learned) lines.Add($"Learned new hostkey: {KeyFingerprint.TypeLabel(key)} {key.Fingerprint(_config.FingerprintHash)}");
        foreach (var entry in old)
            lines.Add(entry.Key is null
                ? $"Deprecating obsolete hostkey: {KeyFingerprint.TypeLabel(entry.KeyType)}"
                : $"Deprecating obsolete hostkey: {KeyFingerprint.TypeLabel(entry.Key)} {entry.Key.Fingerprint(_config.FingerprintHash)}");
        if (asking && lines.Count > 0)
        {
            lines.Insert(0, "The server has updated its host keys.");
            lines.Insert(1, "These changes were verified by the server's existing trusted key.");
        }
        foreach (var line in lines) Say(line, asking);
        if (!asking) return true;
        for (int i = 0; i < 3; i++)
        {
            string? answer = Terminal.Prompter.ReadSecret("Accept updated hostkeys? (yes/no): ", echo: true, askpassPromptHint: "confirm");
            if (answer is null) return false;
            answer = answer.Trim();
            if (answer.Equals("yes", StringComparison.OrdinalIgnoreCase)) return true;
            if (answer.Equals("no", StringComparison.OrdinalIgnoreCase)) return false;
            Say("Please enter \"yes\" or \"no\"", asking: true);
        }
        return false;
    }

    /// <summary>OpenSSH logs these at VERBOSE (shown, unprefixed, from -v on) or at INFO when it asks.</summary>
    private void Say(string line, bool asking)
    {
        if (asking || _log.Verbosity >= 1) _log.Write(0, line);
    }

}
