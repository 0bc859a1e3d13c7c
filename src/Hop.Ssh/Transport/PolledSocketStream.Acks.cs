using System.Net.Sockets;

namespace Hop.Ssh.Transport;

/// <summary>
/// Prompt ACKs. Linux takes a socket that sends data soon after receiving some for one end of a
/// request/response exchange (its "pingpong" mode) and holds back its ACKs, up to 40 ms, hoping to
/// carry them on the reply. Two cases where no reply comes soon, and the wait costs:
/// <list type="bullet">
/// <item>A bulk flow. A download's WINDOW_ADJUST messages look like replies, so the kernel delays
/// the ACKs of the flow they grant, and the sender sees a slower path than there is: on loopback
/// with BBR, sshd then paced its sends more often and spent 10-40 % more CPU per byte of a -L
/// download than with OpenSSH's client. After a send, the next bulk read puts the socket back to
/// acknowledging at once (TCP_QUICKACK), as the kernel does for a socket that only receives.</item>
/// <item>A message we do not answer, followed by one we wait for. sshd leaves Nagle's algorithm on
/// outside interactive sessions, so once it has sent one small segment (hostkeys-00@openssh.com,
/// right after authentication) it holds the next (the confirmation of our session channel) until
/// that one is acknowledged: 40 ms of a 75 ms connect + `true`, and OpenSSH's client loses them
/// too. So before the reading thread waits in poll(2) again, what it received since our last send
/// is acknowledged at once (outside a bulk flow, whose waits are covered above). In an interactive
/// session that is one bare ACK per echo, sent after the echo is written.</item>
/// </list>
/// Linux only; other systems have no such switch.
/// </summary>
internal sealed partial class PolledSocketStream
{
    /// <summary>TCP_QUICKACK in Linux's netinet/tcp.h.</summary>
    private const int TcpQuickAck = 12;

    /// <summary>The option's value, 1, as the kernel reads it (a native int).</summary>
    private static readonly byte[] On = BitConverter.GetBytes(1);

    /// <summary>Set by every send, cleared when a bulk read asks for prompt ACKs again.</summary>
    private volatile bool _sentSinceQuickAck;

    /// <summary>Set by every read that got data, cleared by every send and by <see cref="AckBeforeWaiting"/>.</summary>
    private volatile bool _receivedSinceSend;

    /// <summary>Something was sent since the last bulk read asked for prompt ACKs (for tests).</summary>
    internal bool PromptAcksPending => _sentSinceQuickAck;

    private bool _quickAckUnsupported = !OperatingSystem.IsLinux();

    /// <summary>
    /// On the reading thread, before it waits in poll(2) outside a bulk flow: acknowledges at once
    /// what arrived since our last send, rather than leave it to the delayed-ACK timer.
    /// </summary>
    private void AckBeforeWaiting()
    {
        if (!_receivedSinceSend || _lowWaterRaised) return;
        _receivedSinceSend = false;
        AckPromptly();
        AcksBeforeWaiting++;
    }

    /// <summary>How often <see cref="AckBeforeWaiting"/> acknowledged at once (for tests).</summary>
    internal int AcksBeforeWaiting { get; private set; }

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
