using System.Net.Sockets;
using System.Runtime.InteropServices;
using Hop.Ssh.Mux;
using Hop.Ssh.Transport;

namespace Hop.Ssh.Client.Forwarding;

/// <summary>
/// ProxyUseFdpass: the ProxyCommand is a dialer. Its standard input and output are one end of a Unix socket pair;
/// it connects by itself, passes the connected socket back over that pair (SCM_RIGHTS, one byte) and exits, and the
/// connection then runs over the passed socket directly, as ssh's ssh_proxy_fdpass_connect does. The dialer is
/// started with posix_spawn, the one way to give a child a descriptor of ours as its stdin and stdout.
/// </summary>
public static partial class ProxyCommand
{
    private const int AfUnix = 1;
    private const int SockStream = 1;

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int socketpair(int domain, int type, int protocol, int* sv);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int command, int argument);

    private const int FGetFd = 1;
    private const int FSetFd = 2;
    private const int FdCloexec = 1;

    /// <summary>Runs the dialer <paramref name="command"/> (tokens already expanded) and returns a stream over the socket it passed back.</summary>
    /// <exception cref="SshConnectionException">The dialer could not run, or ended without passing a socket back.</exception>
    public static async Task<Stream> DialAsync(string command, Action<int, string>? log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            throw new SshConnectionException("ProxyUseFdpass is not supported on this platform");
        var (ours, theirs) = SocketPair();
        using var socket = new Socket(new SafeSocketHandle(ours, ownsHandle: true));
        int pid;
        try
        {
            log?.Invoke(1, $"Executing proxy dialer command: {command}");
            pid = Spawn(command, theirs);
        }
        finally
        {
            close(theirs);
        }
        var exited = Task.Run(() => WaitForExit(pid), CancellationToken.None);
        using (cancellationToken.Register(() => socket.Dispose()))
        {
            int passed;
            try
            {
                passed = await Task.Run(() => DescriptorPassing.Receive(socket), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw new SshConnectionException("proxy dialer did not pass back a connection", e);
            }
            // As ssh: the dialer's work is done once it passed the socket; wait for it to go.
            await exited.WaitAsync(cancellationToken).ConfigureAwait(false);
            Socket connection;
            try
            {
                connection = new Socket(new SafeSocketHandle(passed, ownsHandle: true));
            }
            catch (SocketException e)
            {
                close(passed);
                throw new SshConnectionException($"proxy dialer passed back no socket: {e.Message}", e);
            }
            try
            {
                if (connection.ProtocolType == ProtocolType.Tcp) connection.NoDelay = true;
            }
            catch (SocketException)
            {
                // A socket without Nagle to turn off.
            }
            return PolledSocketStream.FromConnected(connection);
        }
    }

    private static unsafe (int Ours, int Theirs) SocketPair()
    {
        int* sv = stackalloc int[2];
        if (socketpair(AfUnix, SockStream, 0, sv) != 0)
            throw new SshConnectionException($"Could not create socketpair to communicate with proxy dialer: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        // Both close-on-exec: no other child inherits them; the dialer gets its end as stdin and stdout (Spawn).
        foreach (int fd in new[] { sv[0], sv[1] }) fcntl(fd, FSetFd, fcntl(fd, FGetFd, 0) | FdCloexec);
        return (sv[0], sv[1]);
    }
}
