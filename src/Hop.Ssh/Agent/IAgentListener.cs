namespace Hop.Ssh.Agent;

/// <summary>
/// Where an agent accepts its clients: a Unix domain socket or a Windows named pipe (the Pageant
/// window, which answers requests one at a time, is <see cref="PageantWindow"/>). Listeners check
/// the peer themselves and only hand on allowed connections.
/// </summary>
public interface IAgentListener : IAsyncDisposable
{
    /// <summary>The address clients use (the value of SSH_AUTH_SOCK).</summary>
    string Address { get; }

    /// <summary>Waits for the next allowed client.</summary>
    ValueTask<IAgentConnection> AcceptAsync(CancellationToken cancellationToken);
}

/// <summary>One accepted client connection.</summary>
public interface IAgentConnection : IAsyncDisposable
{
    Stream Stream { get; }

    /// <summary>Who is on the other end, for logs ("uid 1000 pid 4242").</summary>
    string Description { get; }
}

/// <summary>How a client reaches an agent: picks the transport an address names.</summary>
public static class AgentTransport
{
    /// <summary>The address that names PuTTY's Pageant on Windows: SSH_AUTH_SOCK or IdentityAgent "pageant".</summary>
    public const string PageantAddress = "pageant";

    /// <summary>
    /// The default agent address: SSH_AUTH_SOCK; on Windows without it, OpenSSH's named pipe when an
    /// agent listens there, else Pageant when one runs; else null (no agent).
    /// </summary>
    public static string? DefaultAddress
    {
        get
        {
            string? sock = Environment.GetEnvironmentVariable(AgentProtocol.AuthSockVariable);
            if (!string.IsNullOrEmpty(sock)) return sock;
            if (!OperatingSystem.IsWindows()) return null;
            string pipe = @"\\.\pipe\" + AgentProtocol.WindowsPipeName;
            return PageantNative.PipeExists(pipe) ? pipe : PageantClientStream.Exists ? PageantAddress : null;
        }
    }

    /// <summary>Opens a raw stream to the agent at <paramref name="address"/> (a socket path, \\.\pipe\NAME, or "pageant").</summary>
    /// <exception cref="SshConnectionException">the agent cannot be reached in <paramref name="timeout"/>.</exception>
    public static async Task<Stream> ConnectAsync(string address, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        const string pipePrefix = @"\\.\pipe\";
        try
        {
            if (OperatingSystem.IsWindows() && string.Equals(address, PageantAddress, StringComparison.OrdinalIgnoreCase))
            {
                if (!PageantClientStream.Exists) throw new SshConnectionException("Pageant is not running");
                return PageantClientStream.Open();
            }
            if (address.StartsWith(pipePrefix, StringComparison.OrdinalIgnoreCase))
            {
                return await NamedPipeAgentListener.ConnectAsync(address[pipePrefix.Length..], cts.Token).ConfigureAwait(false);
            }
            return await UnixSocketAgentListener.ConnectAsync(address, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SshConnectionException($"timed out connecting to the agent at {address}");
        }
    }
}
