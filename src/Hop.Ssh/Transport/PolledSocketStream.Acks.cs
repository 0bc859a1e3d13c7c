using System.Net.Sockets;

namespace Hop.Ssh.Transport;

/// <summary>
/// Prompt ACKs in a bulk flow. Linux takes a socket that sends data soon after receiving some for
/// one end of a request/response exchange (its "pingpong" mode) and holds back its ACKs, hoping to
/// carry them on the reply. A download's WINDOW_ADJUST messages look like such replies, so the
/// kernel delays the ACKs of the flow they grant, and the sender sees a slower path than there is:
/// on loopback with BBR, sshd then paced its sends more often and spent 10-40 % more CPU per byte of
/// a -L download than with OpenSSH's client. After a send, the next bulk read puts the socket back
/// to acknowledging at once (TCP_QUICKACK), as the kernel does for a socket that only receives.
/// Reads under a full-size packet (an interactive session's echoes) leave the mode alone: there
/// the ACK rides on the next keystroke. Linux only; other systems have no such switch.
/// </summary>
internal sealed partial class PolledSocketStream
{
    /// <summary>TCP_QUICKACK in Linux's netinet/tcp.h.</summary>
    private const int TcpQuickAck = 12;

    /// <summary>The option's value, 1, as the kernel reads it (a native int).</summary>
    private static readonly byte[] On = BitConverter.GetBytes(1);

    /// <summary>Set by every send, cleared when a bulk read asks for prompt ACKs again.</summary>
    private volatile bool _sentSinceQuickAck;

    /// <summary>Something was sent since the last bulk read asked for prompt ACKs (for tests).</summary>
    internal bool PromptAcksPending => _sentSinceQuickAck;

    private bool _quickAckUnsupported = !OperatingSystem.IsLinux();

    /// <summary>On the reading thread, after a bulk read that follows a send: prompt ACKs again.</summary>
    private void AckPromptly()
    {
        _sentSinceQuickAck = false;
        if (_quickAckUnsupported) return;
        try
        {
            _socket.SetRawSocketOption((int)SocketOptionLevel.Tcp, TcpQuickAck, On);
        }
        catch (SocketException)
        {
            _quickAckUnsupported = true;
        }
    }
}
