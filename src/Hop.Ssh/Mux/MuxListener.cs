using System.Net.Sockets;
using System.Runtime.InteropServices;
using Hop.Ssh.Agent;

namespace Hop.Ssh.Mux;

/// <summary>
/// A ControlMaster's socket, made as OpenSSH's muxserver_listen makes it: bound under a temporary
/// name with mode 0600, then hard-linked to the ControlPath, so that two masters racing for one path
/// cannot both win and an existing socket is never replaced. Connections from another user (other
/// than root) are closed at once, as OpenSSH's master refuses them. Disposing removes the path.
/// </summary>
public sealed partial class MuxListener : IDisposable
{
    private const int EExist = 17;
    private readonly Socket _socket;
    private int _removed;

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string created);

    private MuxListener(Socket socket, string path)
    {
        _socket = socket;
        Path = path;
    }

    /// <summary>The ControlPath it listens on.</summary>
    public string Path { get; }

    /// <summary>
    /// Listens on <paramref name="path"/>; null with <paramref name="error"/> when the path exists already
    /// (another master) or cannot be made.
    /// </summary>
    public static MuxListener? Create(string path, out string? error)
    {
        error = null;
        if (OperatingSystem.IsWindows())
        {
            error = "ControlMaster needs Unix domain sockets with descriptor passing";
            return null;
        }
        string temporary = $"{path}.{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8))}";
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(temporary));
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            socket.Listen(64);
            if (Link(temporary, path) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                error = errno == EExist
                    ? $"ControlSocket {path} already exists, disabling multiplexing"
                    : $"ControlSocket {path}: {Marshal.GetPInvokeErrorMessage(errno)}, disabling multiplexing";
                socket.Dispose();
                return null;
            }
            return new MuxListener(socket, path);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            error = $"ControlSocket {path}: {e.Message}, disabling multiplexing";
            socket.Dispose();
            return null;
        }
        finally
        {
            try
            {
                File.Delete(temporary);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left for the next master's link to stand beside; harmless.
            }
        }
    }

    /// <summary>The next client of this user (or root); others are closed unanswered.</summary>
    public async Task<MuxServerConnection> AcceptAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var client = await _socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            var peer = PeerCredentials.Get(client);
            if (peer is { } p && (p.Uid == PeerCredentials.CurrentUid || p.Uid == 0)) return new MuxServerConnection(client);
            client.Dispose();
        }
    }

    /// <summary>Stops listening and removes the path (MUX_C_STOP_LISTENING, or the master's end).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _removed, 1) != 0) return;
        _socket.Dispose();
        try
        {
            File.Delete(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Someone else's now, or gone already.
        }
    }
}
