using System.Net.Sockets;

namespace Hop.Ssh.Agent;

/// <summary>
/// An agent's Unix domain socket, made as ssh-agent makes it: by default in a fresh directory
/// of mode 0700 under TMPDIR (<c>/tmp/ssh-XXXXXX/agent.PID</c>), the socket itself 0600. Each
/// client's uid is checked; only this user and root are served, as ssh-agent does. Disposing
/// removes the socket, and the directory when the listener made it.
/// </summary>
public sealed class UnixSocketAgentListener : IAgentListener
{
    private readonly Socket _socket;
    private readonly string? _directory;
    private readonly uint _uid;
    private int _disposed;

    private UnixSocketAgentListener(Socket socket, string path, string? directory)
    {
        _socket = socket;
        Address = path;
        _directory = directory;
        _uid = PeerCredentials.CurrentUid;
    }

    public string Address { get; }

    /// <summary>Refusals and accepted peers, for the -d log.</summary>
    public Action<string>? Log { get; set; }

    /// <summary>
    /// Binds the socket: at <paramref name="path"/> when given (ssh-agent -a), otherwise as
    /// <c>agent.<paramref name="ownerPid"/></c> in a new private directory.
    /// </summary>
    public static UnixSocketAgentListener Create(string? path = null, int? ownerPid = null)
    {
        string? dir = null;
        if (string.IsNullOrEmpty(path))
        {
            dir = Directory.CreateTempSubdirectory("ssh-").FullName;
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            path = Path.Combine(dir, $"agent.{ownerPid ?? Environment.ProcessId}");
        }
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            uint old = OperatingSystem.IsWindows() ? 0 : PeerCredentials.Umask(0x7F) /* 0177 */;
            try
            {
                socket.Bind(new UnixDomainSocketEndPoint(path));
            }
            finally
            {
                if (!OperatingSystem.IsWindows()) PeerCredentials.Umask(old);
            }
            socket.Listen(128);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            if (dir is not null) TryDelete(dir, directory: true);
            throw new SshConnectionException($"bind: {path}: {e.Message}", e);
        }
        return new UnixSocketAgentListener(socket, path, dir);
    }

    public async ValueTask<IAgentConnection> AcceptAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Socket client = await _socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            var cred = PeerCredentials.Get(client);
            bool allowed = OperatingSystem.IsWindows() || (cred is { } c && (c.Uid == 0 || c.Uid == _uid));
            string who = cred is { } p ? $"uid {p.Uid}" + (p.Pid is int pid ? $" pid {pid}" : "") : "unknown peer";
            if (allowed) return new Connection(client, who);
            Log?.Invoke($"debug1: uid mismatch: peer {who} != uid {_uid}; connection refused");
            client.Dispose();
        }
    }

    /// <summary>Connects a client to the socket at <paramref name="path"/>.</summary>
    public static async Task<Stream> ConnectAsync(string path, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            // .NET names a missing socket file "Cannot assign requested address"; ssh-add says what it is.
            throw new SshConnectionException(File.Exists(path) ? e.Message : "No such file or directory", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return ValueTask.CompletedTask;
        _socket.Dispose();
        TryDelete(Address, directory: false);
        if (_directory is not null) TryDelete(_directory, directory: true);
        return ValueTask.CompletedTask;
    }

    private static void TryDelete(string path, bool directory)
    {
        try
        {
            if (directory) Directory.Delete(path);
            else File.Delete(path);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private sealed class Connection(Socket socket, string description) : IAgentConnection
    {
        public Stream Stream { get; } = new NetworkStream(socket, ownsSocket: true);
        public string Description => description;

        public ValueTask DisposeAsync() => Stream.DisposeAsync();
    }
}
