using Hop.Cli.Terminal;
using Hop.Ssh;
using Hop.Ssh.Auth;
using Hop.Ssh.Client;
using Hop.Ssh.Config;

namespace Hop.Cli.Commands;

/// <summary>
/// "Connect as ssh does", shared by `hop ssh`, `hop sftp` and `hop scp`: the resolved config,
/// identity files and the agent, known_hosts checking, ProxyJump/ProxyCommand, then authentication.
/// </summary>
internal static partial class SshCommand
{
    /// <summary>Resolves the config for <paramref name="a"/>'s destination (ssh's -p/-l/-o/-F rules).</summary>
    internal static ResolvedConfig ResolveDestination(SshArguments a, DiagnosticLog? log = null)
    {
        var (host, user, port) = ParseDestination(a.Destination!, a.FirstUser == UserSource.Destination ? null : a.User, a.Port);
        return ResolveConfig(a, host, user, port, log);
    }

    /// <summary>Who answers authentication prompts and who confirms an unknown host key: the terminal, nobody under BatchMode, or `hop run`'s prompter and nobody.</summary>
    internal static (IAuthPrompter? Auth, IAuthPrompter? HostKey) PromptersFor(SshArguments a, ResolvedConfig c)
    {
        if (c.BatchMode) return (null, null);
        if (a.UnattendedPrompter is { } unattended) return (unattended, null);
        var terminal = new Prompter(a.Quiet);
        return (terminal, terminal);
    }

    /// <summary>Connects and authenticates to <paramref name="c"/>'s host as `hop ssh` would; the agent is used only while authenticating.</summary>
    internal static Task<SshClient> ConnectAsync(SshArguments a, ResolvedConfig c, DiagnosticLog log, CancellationToken cancellationToken = default)
        => ConnectAsync(a, c, log, static _ => null, cancellationToken);

    /// <summary>As above; <paramref name="updaterFor"/> may make the UpdateHostKeys handler for the host key verifier.</summary>
    internal static async Task<SshClient> ConnectAsync(SshArguments a, ResolvedConfig c, DiagnosticLog log,
        Func<HostKeyVerifier, HostKeyUpdater?> updaterFor, CancellationToken cancellationToken = default)
    {
        var (prompter, hostKeyPrompter) = PromptersFor(a, c);
        await using var agent = SshAgentUse.For(c, log);
        var files = await LoadIdentitiesAsync(c, prompter, log, agent.AddKeysHook(c)).ConfigureAwait(false);
        var identities = c.PubkeyAuthentication ? await agent.CombineAsync(files, c.IdentitiesOnly).ConfigureAwait(false) : files;
        identities = SshCertificates.Attach(identities, c, log);
        identities = [.. identities.Where(id =>
        {
            if (HostKeyVerifier.RsaLongEnough(id.PublicKey, c.RequiredRsaSize)) return true;
            log.Write(1, $"skipping key {id.Source}: Invalid key length");
            return false;
        })];
        var verifier = new HostKeyVerifier(c, hostKeyPrompter, log);
        var settings = SshClientSettingsFor.Build(c, identities, prompter, verifier, agent, ProxyStream(a, c, log), log, updaterFor(verifier));
        try
        {
            return await SshClient.ConnectAsync(settings, cancellationToken).ConfigureAwait(false);
        }
        catch (SshConnectionException e) when (e.Message.StartsWith("no matching", StringComparison.Ordinal))
        {
            throw new SshConnectionException($"Unable to negotiate with {c.HostName} port {c.Port}: {e.Message}", e);
        }
    }
}
