using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Hop.Ssh.Crypto;
using Hop.Ssh.Transport.Messages;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Transport;

/// <summary>
/// The client side of the SSH transport layer (RFC 4253): version exchange, binary packets, key
/// exchange with strict KEX and rekeying. The layers above see it as an <see cref="IPacketConnection"/>.
/// </summary>
public sealed partial class SshTransport : IPacketConnection
{
    private readonly Stream _stream;
    private readonly SshTransportOptions _options;
    private readonly PacketReader _reader;
    private readonly PacketWriter _writer;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly SshBuffer _sendScratch = new(64);
    private byte[] _sessionId = [];
    private bool _disposed;

    private SshTransport(Stream stream, SshTransportOptions options)
    {
        _stream = stream;
        _options = options;
        var none = CryptoFactory.None();
        _reader = new PacketReader(stream, none);
        _writer = new PacketWriter(stream, none);
    }

    public ReadOnlyMemory<byte> SessionId => _sessionId;

    /// <summary>The server's identification string.</summary>
    public string ServerVersion { get; private set; } = "";

    /// <summary>The algorithms of the latest key exchange.</summary>
    public NegotiatedAlgorithms? Algorithms { get; private set; }

    /// <summary>True when both sides agreed on strict KEX (kex-strict-*-v00@openssh.com).</summary>
    public bool StrictKex { get; private set; }

    /// <summary>The server's server-sig-algs extension (RFC 8308), or null if it sent none.</summary>
    public IReadOnlyList<string>? ServerSignatureAlgorithms { get; private set; }

    /// <summary>The server's host key blob from the first key exchange.</summary>
    public ReadOnlyMemory<byte> HostKeyBlob => _firstHostKey;

    /// <summary>The server's signature over the session identifier (for session-bind@openssh.com).</summary>
    public ReadOnlyMemory<byte> SessionSignature { get; private set; }

    /// <summary>How many key exchanges completed (1 after connecting).</summary>
    public int KeyExchangeCount { get; private set; }

    /// <summary>
    /// Runs the version exchange and the first key exchange over <paramref name="stream"/>
    /// (already connected) and returns the transport ready for authentication.
    /// </summary>
    public static async Task<SshTransport> ConnectAsync(Stream stream, SshTransportOptions options, CancellationToken cancellationToken = default)
    {
        var t = new SshTransport(stream, options);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.HandshakeTimeout);
        try
        {
            // Our version line and KEXINIT go out together, before the server's version line
            // arrives (RFC 4253 §7.1 lets the key exchange begin right after the version line):
            // the server's KEXINIT then finds ours waiting, one round trip sooner.
            await t.SendVersionAndKexInitAsync(timeout.Token).ConfigureAwait(false);
            await t.ReadServerVersionAsync(timeout.Token).ConfigureAwait(false);
            await t.RunInitialKeyExchangeAsync(timeout.Token).ConfigureAwait(false);
            return t;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await t.DisposeAsync().ConfigureAwait(false);
            throw new SshConnectionException("Connection timed out during banner exchange or key exchange");
        }
        catch
        {
            await t.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task SendVersionAndKexInitAsync(CancellationToken ct)
    {
        _writer.AppendRaw(System.Text.Encoding.ASCII.GetBytes(_options.ClientVersion + "\r\n"));
        await SendFirstKexInitAsync(ct).ConfigureAwait(false);
    }

    private async Task ReadServerVersionAsync(CancellationToken ct)
    {
        const int MaxPreBannerLines = 1024;
        for (int i = 0; ; i++)
        {
            if (i >= MaxPreBannerLines) throw new SshProtocolException("no SSH version line from the server after 1024 lines");
            string line = await _reader.ReadLineAsync(ct).ConfigureAwait(false);
            if (!line.StartsWith("SSH-", StringComparison.Ordinal))
            {
                Log(2, "server banner: " + line);
                continue;
            }
            if (line.Length > 255) throw new SshProtocolException("the server's version line is longer than 255 characters");
            if (!line.StartsWith("SSH-2.0-", StringComparison.Ordinal) && !line.StartsWith("SSH-1.99-", StringComparison.Ordinal))
                throw new SshProtocolException($"Protocol major versions differ: 2.0 vs. {line}");
            ServerVersion = line;
            Log(1, "Remote protocol version 2.0, remote software version " + line[(line.IndexOf('-', 4) + 1)..]);
            return;
        }
    }

    /// <inheritdoc/>
    public ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
        => SendAsync(payload, flush: true, cancellationToken);

    /// <inheritdoc/>
    public ValueTask SendPaddedAsync(ReadOnlyMemory<byte> payload, int padTo, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(padTo);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(padTo, 128);
        return SendAsync(payload, ReadOnlyMemory<byte>.Empty, flush: true, padTo, cancellationToken);
    }

    /// <summary>
    /// Sends one message; with <paramref name="flush"/> false it is sealed but may be held back until
    /// the next send or <see cref="FlushAsync"/>, so that a run of DATA packets goes out in one
    /// write call. The caller must send again or flush soon, and never wait on the peer between.
    /// </summary>
    internal ValueTask SendAsync(ReadOnlyMemory<byte> payload, bool flush, CancellationToken cancellationToken)
        => SendAsync(payload, ReadOnlyMemory<byte>.Empty, flush, cancellationToken);

    /// <summary>
    /// As <see cref="SendAsync(ReadOnlyMemory{byte}, bool, CancellationToken)"/>, for a payload in
    /// two pieces (a channel message's header, then its data), copied once, into the packet.
    /// </summary>
    internal ValueTask SendAsync(ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> body, bool flush, CancellationToken cancellationToken)
        => SendAsync(head, body, flush, padTo: 0, cancellationToken);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendAsync(ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> body, bool flush, int padTo, CancellationToken cancellationToken)
    {
        if (head.IsEmpty) throw new ArgumentException("empty payload", nameof(head));
        while (true)
        {
            await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            Task? wait = null;
            try
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_failure is not null) throw new SshConnectionException(_failure.Message, _failure);
                if (_outgoingKex is not null)
                {
                    // Between our KEXINIT and our NEWKEYS only key exchange messages may go out.
                    wait = _outgoingKex.Task;
                }
                else
                {
                    if (RekeyDue()) await SendKexInitLockedAsync(cancellationToken).ConfigureAwait(false);
                    if (_outgoingKex is null)
                    {
                        _writer.Append(head.Span, body.Span, padTo);
                        if (flush) await _writer.FlushPendingAsync(cancellationToken).ConfigureAwait(false);
                        return;
                    }
                    wait = _outgoingKex.Task;
                }
            }
            catch (IOException e)
            {
                throw Fail(new SshConnectionException("Connection to the server lost: " + e.Message, e));
            }
            finally
            {
                _sendLock.Release();
            }
            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes the packets <see cref="SendAsync(ReadOnlyMemory{byte}, bool, CancellationToken)"/> held back.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    internal async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_writer.Pending == 0) return;
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_failure is null && !_disposed) await _writer.FlushPendingAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw Fail(new SshConnectionException("Connection to the server lost: " + e.Message, e));
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends a transport message during key exchange, bypassing the wait for NEWKEYS.</summary>
    private async ValueTask SendKexMessageAsync(ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        await _sendLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await _writer.WriteAsync(payload, ct).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw Fail(new SshConnectionException("Connection to the server lost: " + e.Message, e));
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Called on the receiving thread, inside <see cref="ReceiveAsync"/>, when no received packet is
    /// left, before the receive buffer's content moves or the socket is read (the connection flushes
    /// data to its readers then). Payloads handed out until then stay unchanged until that call.
    /// </summary>
    internal Action? BeforeSocketRead
    {
        get => _reader.BeforeStreamRead;
        set => _reader.BeforeStreamRead = value;
    }

    /// <summary>
    /// For the connection's receive loop, the only reader once it starts: a socket read that has to
    /// wait continues on the connection's read thread (see <see cref="PolledSocketStream"/>), so the
    /// loop runs there. The loop must never block that thread on a receive of its own.
    /// </summary>
    internal void ContinueReceivesOnReadThread()
    {
        if (_stream is PolledSocketStream polled) polled.ContinueOnReadThread = true;
    }

    /// <inheritdoc/>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var payload = await ReadPacketAsync(cancellationToken).ConfigureAwait(false);
            byte n = payload.Span[0];
            if (await HandleTransportMessageAsync(payload, cancellationToken).ConfigureAwait(false)) continue;
            if (_peerKexInit is not null)
                throw Fail(new SshProtocolException($"unexpected message {n} during key exchange"));
            return payload;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadOnlyMemory<byte>> ReadPacketAsync(CancellationToken ct)
    {
        if (_failure is not null) throw new SshConnectionException(_failure.Message, _failure);
        try
        {
            var payload = await _reader.ReadPacketAsync(ct).ConfigureAwait(false);
            if (payload.IsEmpty) throw new SshProtocolException("empty packet payload");
            return payload;
        }
        catch (SshConnectionException e)
        {
            throw Fail(e);
        }
        catch (IOException e)
        {
            throw Fail(new SshConnectionException("Connection to the server lost: " + e.Message, e));
        }
    }

    /// <summary>Handles messages the transport owns; returns false for those meant for the layers above.</summary>
    private async ValueTask<bool> HandleTransportMessageAsync(ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        byte n = payload.Span[0];
        if (n is >= MessageNumbers.KexInit and <= 49)
        {
            await HandleKexMessageAsync(payload, ct).ConfigureAwait(false);
            return true;
        }
        if (StrictKex && KeyExchangeCount == 0)
            throw Fail(new SshProtocolException($"strict KEX violation: unexpected message {n} during the initial key exchange"));
        switch (n)
        {
            case MessageNumbers.Disconnect:
                var d = DisconnectMessage.Read(payload.Span);
                throw Fail(new SshConnectionException($"Received disconnect from server: {d.ReasonCode}: {Printable(d.Description)}"));
            case MessageNumbers.Ignore:
                return true;
            case MessageNumbers.Debug:
                var dbg = DebugMessage.Read(payload.Span);
                Log(dbg.AlwaysDisplay ? 0 : 1, "Remote: " + Printable(dbg.Message));
                return true;
            case MessageNumbers.Unimplemented:
                var u = UnimplementedMessage.Read(payload.Span);
                Log(1, $"server reports message {u.SequenceNumber} unimplemented");
                return true;
            case MessageNumbers.ExtInfo:
                HandleExtInfo(ExtInfoMessage.Read(payload.Span));
                return true;
            case >= 8 and <= 19:
                throw Fail(new SshProtocolException($"unexpected transport message {n}"));
            case > 100:
                // No layer above knows this number: answer SSH_MSG_UNIMPLEMENTED (RFC 4253 §11.4).
                await SendUnimplementedAsync(_reader.SequenceNumber - 1, ct).ConfigureAwait(false);
                return true;
            default:
                if (n == 0) throw Fail(new SshProtocolException("invalid message number 0"));
                return false;
        }
    }

    private async ValueTask SendUnimplementedAsync(uint sequenceNumber, CancellationToken ct)
    {
        using var b = new SshBuffer(8);
        var w = b.Writer;
        new UnimplementedMessage(sequenceNumber).Write(ref w);
        await SendAsync(b.WrittenMemory, ct).ConfigureAwait(false);
    }

    private void HandleExtInfo(ExtInfoMessage msg)
    {
        foreach (var (name, value) in msg.Extensions)
        {
            if (name != "server-sig-algs") continue;
            var text = System.Text.Encoding.ASCII.GetString(value);
            ServerSignatureAlgorithms = text.Length == 0 ? [] : text.Split(',');
            Log(1, "kex_input_ext_info: server-sig-algs=<" + text + ">");
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisconnectAsync(uint reasonCode, string description, CancellationToken cancellationToken = default)
    {
        if (_disposed || _failure is not null) return;
        try
        {
            using var b = new SshBuffer();
            var w = b.Writer;
            new DisconnectMessage(reasonCode, description).Write(ref w);
            await SendKexMessageAsync(b.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }
        catch (SshException)
        {
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        Fail(new SshConnectionException("disconnected: " + description));
    }

    private Exception? _failure;

    /// <summary>Records the first fatal error; every later send or receive fails with it.</summary>
    private SshConnectionException Fail(SshConnectionException e)
    {
        _failure ??= e;
        _outgoingKex?.TrySetException(e);
        _initialKexDone?.TrySetException(e);
        try { _stream.Dispose(); } catch (IOException) { }
        return e;
    }

    private void Log(int level, string message) => _options.Log?.Invoke(level, message);

    /// <summary>Removes control characters from peer text before it reaches a terminal.</summary>
    internal static string Printable(string s) => new(s.Select(c => char.IsControl(c) && c != '\t' ? '?' : c).ToArray());

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            _failure ??= new SshConnectionException("connection closed");
            _rekeyTimer?.Dispose();
            foreach (var (_, keys) in _speculativeKex ?? [])
                _ = keys.ContinueWith(static t => { if (t.IsCompletedSuccessfully) t.Result.Dispose(); }, TaskScheduler.Default);
            _speculativeKex = null;
            _outgoingKex?.TrySetException(_failure);
            await _stream.DisposeAsync().ConfigureAwait(false);
            _reader.Protector.Dispose();
            _writer.Protector.Dispose();
            _sendScratch.Dispose();
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private static byte[] RandomCookie() => RandomNumberGenerator.GetBytes(16);
}
