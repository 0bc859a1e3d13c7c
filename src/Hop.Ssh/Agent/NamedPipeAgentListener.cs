using System.IO.Pipes;

namespace Hop.Ssh.Agent;

/// <summary>
/// The agent on Windows: OpenSSH for Windows' named pipe <c>\\.\pipe\openssh-ssh-agent</c>.
/// PipeOptions.CurrentUserOnly restricts clients to this user (the pipe's ACL), the counterpart
/// of the Unix socket's uid check.
/// </summary>
public sealed class NamedPipeAgentListener : IAgentListener
{
    private readonly string _pipeName;
    private int _disposed;

    public NamedPipeAgentListener(string pipeName = AgentProtocol.WindowsPipeName) => _pipeName = pipeName;

    public string Address => @"\\.\pipe\" + _pipeName;

    public async ValueTask<IAgentConnection> AcceptAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var server = new NamedPipeServerStream(_pipeName, PipeDirection.InOut, NamedPipeServerStream.MaxAllowedServerInstances,
            PipeTransmissionMode.Byte, PipeOptions.Asynchronous | PipeOptions.CurrentUserOnly);
        try
        {
            await server.WaitForConnectionAsync(cancellationToken).ConfigureAwait(false);
            return new Connection(server);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Connects a client to the pipe <paramref name="pipeName"/> on this machine.</summary>
    public static async Task<Stream> ConnectAsync(string pipeName, CancellationToken cancellationToken)
    {
        var client = new NamedPipeClientStream(".", pipeName, PipeDirection.InOut, PipeOptions.Asynchronous | PipeOptions.CurrentUserOnly);
        try
        {
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch (IOException e)
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw new SshConnectionException(e.Message, e);
        }
    }

    public ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _disposed, 1);
        return ValueTask.CompletedTask;
    }

    private sealed class Connection(NamedPipeServerStream pipe) : IAgentConnection
    {
        public Stream Stream => pipe;
        public string Description => "named pipe client";
        public ValueTask DisposeAsync() => pipe.DisposeAsync();
    }
}
