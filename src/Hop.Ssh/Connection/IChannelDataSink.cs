namespace Hop.Ssh.Connection;

/// <summary>
/// Where a channel's inbound data (or extended data) goes instead of its <see cref="SshChannel.Output"/>
/// pipe: written synchronously, on the connection's receive thread, in batches of the packets that
/// one socket read brought. The window is granted back as each write returns, so a slow destination
/// slows the peer. For a destination that is a file descriptor (a program's stdout) this is the
/// shortest path: no pipe, no reader task, one write per batch.
/// </summary>
public interface IChannelDataSink
{
    /// <summary>
    /// Writes all of <paramref name="data"/> before returning. An <see cref="IOException"/> means the
    /// destination is gone (a closed pipe): the channel then discards the rest of that stream, and
    /// for stdout tells the peer it will not read more (eow@openssh.com), as OpenSSH's client does.
    /// </summary>
    void Write(ReadOnlySpan<byte> data);
}
