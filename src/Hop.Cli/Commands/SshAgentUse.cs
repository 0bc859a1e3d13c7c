using Hop.Ssh;
using Hop.Ssh.Agent;
using Hop.Ssh.Auth;
using Hop.Ssh.Config;
using Hop.Ssh.Keys;
using Hop.Ssh.Transport;

namespace Hop.Cli.Commands;

/// <summary>
/// How `hop ssh` uses an agent, as OpenSSH's ssh does: its keys for authentication (IdentityAgent
/// or SSH_AUTH_SOCK; IdentitiesOnly keeps only those matching an IdentityFile), session-bind after
/// key exchange, AddKeysToAgent for keys it decrypts, and the socket to forward for -A.
/// </summary>
internal sealed class SshAgentUse : IAsyncDisposable
{
    private readonly DiagnosticLog _log;
    private AgentClient? _client;

    private SshAgentUse(string? socket, DiagnosticLog log)
    {
        Socket = socket;
        _log = log;
    }

    /// <summary>The agent socket for authentication, or null when none is configured or set.</summary>
    public string? Socket { get; }

    public static SshAgentUse For(ResolvedConfig c, DiagnosticLog log)
    {
        string? socket = c.IdentityAgent switch
        {
            null or "SSH_AUTH_SOCK" => AgentTransport.DefaultAddress,
            "none" => null,
            var path when path.StartsWith('$') => Environment.GetEnvironmentVariable(path[1..]),
            var path => path,
        };
        return new SshAgentUse(string.IsNullOrEmpty(socket) ? null : socket, log);
    }

    /// <summary>The socket that -A forwards: ForwardAgent's path, or the agent's.</summary>
    public static string? ForwardSocket(ResolvedConfig c)
    {
        if (!c.ForwardAgent) return null;
        if (c.ForwardAgentSocket is { } p) return p.StartsWith('$') ? Environment.GetEnvironmentVariable(p[1..]) : p;
        return AgentTransport.DefaultAddress;
    }

    private async Task<AgentClient?> ClientAsync()
    {
        if (_client is not null || Socket is null) return _client;
        try
        {
            _client = await AgentClient.OpenAsync(Socket).ConfigureAwait(false);
        }
        catch (SshException e)
        {
            _log.Write(1, $"get_agent_identities: ssh_get_authentication_socket: {e.Message}");
        }
        catch (IOException e)
        {
            _log.Write(1, $"get_agent_identities: ssh_get_authentication_socket: {e.Message}");
        }
        return _client;
    }

    /// <summary>
    /// Orders identities as OpenSSH's pubkey_prepare does: files whose key the agent holds (signed by
    /// the agent), then the agent's other keys (unless IdentitiesOnly), then the remaining files.
    /// </summary>
    public async Task<IReadOnlyList<IUserIdentity>> CombineAsync(IReadOnlyList<IUserIdentity> files, bool identitiesOnly)
    {
        var agent = await ClientAsync().ConfigureAwait(false);
        if (agent is null) return files;
        IReadOnlyList<AgentIdentity> held;
        try
        {
            held = await agent.RequestIdentitiesAsync().ConfigureAwait(false);
        }
        catch (SshException e)
        {
            _log.Write(1, $"agent: {e.Message}");
            return files;
        }
        var agentKeys = held.Where(h => h.PublicKey is not null).Select(h => new AgentKeyIdentity(agent, h.PublicKey!, h.Comment)).ToList();
        _log.Write(1, $"get_agent_identities: agent returned {agentKeys.Count} keys");
        var result = new List<IUserIdentity>();
        var usedAgent = new HashSet<SshPublicKey>();
        var remainingFiles = new List<IUserIdentity>();
        foreach (var f in files)
        {
            var match = agentKeys.FirstOrDefault(a => a.PublicKey.Equals(f.PublicKey));
            if (match is not null && usedAgent.Add(match.PublicKey)) result.Add(match);
            else if (match is null) remainingFiles.Add(f);
        }
        if (!identitiesOnly) result.AddRange(agentKeys.Where(a => !usedAgent.Contains(a.PublicKey)));
        result.AddRange(remainingFiles);
        return result;
    }

    /// <summary>Tells the agent which host and session its signatures are for (session-bind@openssh.com).</summary>
    public async Task BindAsync(SshTransport transport, CancellationToken ct)
    {
        if (_client is null) return;
        try
        {
            await _client.SessionBindAsync(transport.HostKeyBlob, transport.SessionId, transport.SessionSignature, false, ct).ConfigureAwait(false);
        }
        catch (SshException e)
        {
            _log.Write(1, $"agent does not support session-bind: {e.Message}");
        }
    }

    /// <summary>The AddKeysToAgent hook for keys decrypted from files.</summary>
    public Func<SshPrivateKey, string, ValueTask>? AddKeysHook(ResolvedConfig c)
    {
        string mode = c.AddKeysToAgent;
        if (mode == "no" || Socket is null) return null;
        return async (key, path) =>
        {
            if (mode == "ask")
            {
                var answer = Terminal.Prompter.ReadSecret($"Add key {path} ({key.Comment}) to agent? (yes/no) ", echo: true, askpassPromptHint: "confirm");
                if (answer is null || !answer.Trim().Equals("yes", StringComparison.OrdinalIgnoreCase)) return;
            }
            try
            {
                var agent = await ClientAsync().ConfigureAwait(false);
                if (agent is null) return;
                await agent.AddAsync(key, string.IsNullOrEmpty(key.Comment) ? path : key.Comment, c.AddKeysToAgentLifetime, mode == "confirm").ConfigureAwait(false);
                _log.Write(1, $"identity added to agent: {path}");
            }
            catch (SshException e)
            {
                _log.Write(0, $"could not add identity to agent: {path} ({e.Message})");
            }
        };
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null) await _client.DisposeAsync().ConfigureAwait(false);
    }
}
