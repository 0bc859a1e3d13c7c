namespace Hop.Ssh.Agent;

/// <summary>
/// Where an agent accepts its clients: a Unix domain socket, a Windows named pipe, or (later) a
/// Pageant window. Listeners check the peer themselves and only hand on allowed connections.
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
    /// <summary>The default agent address: SSH_AUTH_SOCK, or on Windows OpenSSH's named pipe.</summary>
    public static string? DefaultAddress
    {
        get
        {
            string? sock = Environment.GetEnvironmentVariable(AgentProtocol.AuthSockVariable);
            if (!string.IsNullOrEmpty(sock)) return sock;
            return OperatingSystem.IsWindows() ? @"\\.\pipe\" + AgentProtocol.WindowsPipeName : null;
        }
    }

    /// <summary>Opens a raw stream to the agent at <paramref name="address"/> (a socket path or \\.\pipe\NAME).</summary>
    /// <exception cref="SshConnectionException">the agent cannot be reached in <paramref name="timeout"/>.</exception>
    public static async Task<Stream> ConnectAsync(string address, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        const string pipePrefix = @"\\.\pipe\";
        try
        {
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
