namespace Hop.Ssh.Connection;

/// <summary>
/// Where a channel's inbound data (or extended data) goes instead of its <see cref="SshChannel.Output"/>
/// pipe: written on the connection's receive thread, in batches of the packets that one socket read
/// brought, and the window is granted back for what the destination took. For a destination that
/// is a file descriptor or a socket this is the shortest path: no pipe, no reader task, one write
/// per batch.
/// </summary>
public interface IChannelDataSink
{
    /// <summary>
    /// Writes what the destination takes now and returns how much that was. A sink that waits until
    /// all is written (a program's stdout) returns <paramref name="data"/>.Length; one that must not
    /// hold up the receive loop (a forwarded socket) returns less when the destination is full, and
    /// the channel then hands the rest to <see cref="WriteAsync"/>, keeping later data behind it and
    /// the window closed until it is written. An <see cref="IOException"/> means the destination is
    /// gone (a closed pipe or socket): the channel discards the rest of that stream, and for a
    /// session's stdout tells the peer it will not read more (eow@openssh.com), as OpenSSH's client does.
    /// </summary>
    int Write(ReadOnlySpan<byte> data);

    /// <summary>
    /// Writes all of <paramref name="data"/>, waiting while the destination is full; called off the
    /// receive loop for what <see cref="Write"/> left, never while another write runs.
    /// </summary>
    ValueTask WriteAsync(ReadOnlyMemory<byte> data);
}
