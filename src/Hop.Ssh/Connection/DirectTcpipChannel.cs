using Hop.Ssh.Connection.Messages;

namespace Hop.Ssh.Connection;

/// <summary>
/// A "direct-tcpip" channel (RFC 4254 §7.2): a TCP connection the server makes for us to
/// host:port (-L, -D, -W, -J). <see cref="Stream"/> reads and writes it like a socket.
/// </summary>
public sealed class DirectTcpipChannel : SshChannel
{
    private Stream? _stream;

    internal DirectTcpipChannel(SshConnection connection, uint localChannelId, TcpipChannelOpenDetails target, ChannelSinks? sinks = null)
        : base(connection, localChannelId, ChannelTypes.DirectTcpip, sinks)
    {
        Target = target;
    }

    /// <summary>Where the server connects, and the originator we named.</summary>
    public TcpipChannelOpenDetails Target { get; }

    /// <summary>The connection as a Stream; disposing it closes the channel.</summary>
    public Stream Stream => _stream ??= GetStream();
}
