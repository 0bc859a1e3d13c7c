using Hop.Ssh.Transport;
using Hop.Ssh.Transport.Messages;

namespace Hop.Ssh.Mux;

/// <summary>
/// The connection protocol over a ControlMaster's socket in proxy mode (MUX_C_PROXY, as ssh -O proxy):
/// the master relays our channels on its own connection, already keyed and authenticated, so this
/// side has no key exchange, no encryption and no session id. Frames are <see cref="MuxProxyFraming"/>'s.
/// As OpenSSH's proxy client, only connection-protocol messages (80 to 127) go out: a DISCONNECT
/// just closes the socket. IGNORE, DEBUG and UNIMPLEMENTED from the master are skipped; its
/// DISCONNECT or end of stream ends receiving with <see cref="SshConnectionException"/>.
/// </summary>
public sealed class MuxProxyConnection : IPacketConnection
{
    private const byte ConnectionFirst = 80;
    private const byte ConnectionLast = 127;

    private readonly Stream _stream;
    private readonly SemaphoreSlim _sending = new(1, 1);
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private int _disposed;

    /// <param name="stream">The control socket, past MUX_S_PROXY; owned from here and disposed with this.</param>
    public MuxProxyConnection(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
    }

    /// <summary>None: the master's connection has the session id, and nothing here signs with it.</summary>
    public ReadOnlyMemory<byte> SessionId => ReadOnlyMemory<byte>.Empty;

    public async ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        if (payload.IsEmpty || payload.Span[0] is < ConnectionFirst or > ConnectionLast) return;
        byte[] frame = MuxProxyFraming.Frame(payload.Span);
        await _sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sending.Release();
        }
    }

    public async ValueTask<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (MuxProxyFraming.TryRead(_buffer.AsSpan(_start, _end - _start), out int frameLength, out Range payload))
            {
                var message = _buffer.AsMemory(_start, frameLength)[payload];
                _start += frameLength;
                switch (message.Span[0])
                {
                    case MessageNumbers.Ignore or MessageNumbers.Debug or MessageNumbers.Unimplemented:
                        continue;
                    case MessageNumbers.Disconnect:
                        throw new SshConnectionException("the master disconnected the proxied connection");
                    default:
                        return message;
                }
            }
            MakeRoom();
            int got = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (got == 0) throw new SshConnectionException("Connection closed by remote host");
            _end += got;
        }
    }

    /// <summary>Moves what is left to the front of the buffer, and grows it for a long frame (at most <see cref="MuxProxyFraming.MaxPacketLength"/>).</summary>
    private void MakeRoom()
    {
        int held = _end - _start;
        if (held > 0 && _start > 0) _buffer.AsSpan(_start, held).CopyTo(_buffer);
        _start = 0;
        _end = held;
        if (_end < _buffer.Length) return;
        var larger = new byte[Math.Min(_buffer.Length * 2, MuxProxyFraming.MaxPacketLength + 4)];
        _buffer.AsSpan(0, held).CopyTo(larger);
        _buffer = larger;
    }

    /// <summary>As OpenSSH's proxy client: DISCONNECT is not a message the master relays, so the socket just closes.</summary>
    public async ValueTask DisconnectAsync(uint reasonCode, string description, CancellationToken cancellationToken = default) =>
        await DisposeAsync().ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stream.DisposeAsync().ConfigureAwait(false);
        _sending.Dispose();
    }
}
