namespace Hop.Ssh.Transport;

/// <summary>
/// What the layers above the transport (authentication, connection) see: an ordered, encrypted
/// stream of SSH messages. The transport answers IGNORE, DEBUG, UNIMPLEMENTED, KEXINIT and the
/// rest of key re-exchange itself; every other message reaches <see cref="ReceiveAsync"/>.
/// DISCONNECT from the peer ends receiving with <see cref="SshConnectionException"/>.
/// </summary>
public interface IPacketConnection : IAsyncDisposable
{
    /// <summary>The session identifier: the exchange hash of the first key exchange.</summary>
    ReadOnlyMemory<byte> SessionId { get; }

    /// <summary>
    /// Sends one message: <paramref name="payload"/> starts with the message number. Safe to call
    /// from several tasks at once; messages go out whole and in call order. The payload may be
    /// reused as soon as the returned task completes.
    /// </summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends one message padded so that its length on the wire hides a secret's (a password), as
    /// OpenSSH pads it: to a multiple of <paramref name="padTo"/> bytes. A connection that does not
    /// encrypt (an in-memory pair, a mux proxy client's socket) sends it as it is.
    /// </summary>
    ValueTask SendPaddedAsync(ReadOnlyMemory<byte> payload, int padTo, CancellationToken cancellationToken = default)
        => SendAsync(payload, cancellationToken);

    /// <summary>
    /// Receives the next message for the layers above. The returned memory is valid only until the
    /// next call; copy what must live longer. One reader at a time.
    /// </summary>
    ValueTask<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellationToken = default);

    /// <summary>Sends SSH_MSG_DISCONNECT with the reason and description, then closes.</summary>
    ValueTask DisconnectAsync(uint reasonCode, string description, CancellationToken cancellationToken = default);
}
