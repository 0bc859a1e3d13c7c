using System.Security.Cryptography;
using Hop.Ssh.Crypto;
using Hop.Ssh.Keys;
using Hop.Ssh.Transport.Messages;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Transport;

/// <summary>Key exchange and re-exchange (RFC 4253 §7–9), strict KEX (OpenSSH PROTOCOL §1.10), group exchange (RFC 4419).</summary>
public sealed partial class SshTransport
{
    private const string StrictKexClient = "kex-strict-c-v00@openssh.com";
    private const string StrictKexServer = "kex-strict-s-v00@openssh.com";
    private const string ExtInfoClient = "ext-info-c";
    private const uint GexMin = 2048;
    private const uint GexMax = 8192;

    private enum KexStage { Idle, AwaitingReply, AwaitingGexGroup, AwaitingGexReply, AwaitingNewKeys }

    private KexStage _stage;
    private TaskCompletionSource? _outgoingKex;
    private TaskCompletionSource? _initialKexDone;
    private byte[]? _ourKexInit;
    private byte[]? _peerKexInit;
    private NegotiatedAlgorithms? _pending;
    private IKeyExchange? _kex;
    private IPacketProtector? _pendingIncoming;
    private KexDhGexGroupMessage? _gexGroup;
    private uint _gexPreferred;
    private bool _ignoreGuessedPacket;
    private byte[]? _firstHostKey;
    private long _rekeyLimitBytes = long.MaxValue;
    private DateTime _lastKex = DateTime.UtcNow;

    /// <summary>
    /// The ephemeral keys of our first-choice method, made while KEXINIT crosses the network (for
    /// the post-quantum hybrids that costs tens of milliseconds of CPU, the round trip hides it).
    /// </summary>
    private List<(string Name, Task<IKeyExchange> Keys)>? _speculativeKex;

    private async Task SendFirstKexInitAsync(CancellationToken ct)
    {
        _initialKexDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _sendLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await SendKexInitLockedAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task RunInitialKeyExchangeAsync(CancellationToken ct)
    {
        while (KeyExchangeCount == 0)
        {
            var payload = await ReadPacketAsync(ct).ConfigureAwait(false);
            if (!await HandleTransportMessageAsync(payload, ct).ConfigureAwait(false))
                throw Fail(new SshProtocolException($"unexpected message {payload.Span[0]} before the key exchange finished"));
        }
    }

    /// <summary>
    /// Marks user authentication as done. As in OpenSSH's packet layer, our own limits (RekeyBytes,
    /// RekeyInterval) start a key re-exchange only from then on: during authentication no receive
    /// loop runs yet to read the answer to a KEXINIT, so a sender that waited for it waited for
    /// ever. A KEXINIT from the peer is answered at any time. With a time limit, a timer starts
    /// the re-exchange when it is due, as OpenSSH's client loop does, also on a connection that
    /// carries nothing.
    /// </summary>
    public void OnUserAuthenticated()
    {
        _userAuthenticated = true;
        if (_options.RekeyInterval > TimeSpan.Zero)
            _rekeyTimer = new Timer(static state => ((SshTransport)state!).OnRekeyTimer(), this, NextRekeyCheck(), Timeout.InfiniteTimeSpan);
    }

    private volatile bool _userAuthenticated;
    private Timer? _rekeyTimer;

    /// <summary>When the time limit falls due; while a re-exchange runs, a short while later.</summary>
    private TimeSpan NextRekeyCheck()
    {
        var left = _lastKex + _options.RekeyInterval - DateTime.UtcNow;
        return left > TimeSpan.FromMilliseconds(100) ? left : TimeSpan.FromMilliseconds(100);
    }

    private void OnRekeyTimer()
    {
        if (_disposed || _failure is not null) return;
        // A failed send fails the transport; the receive loop reports it.
        if (RekeyDue()) TaskFaults.Observe(RekeyAsync().AsTask());
        try
        {
            _rekeyTimer?.Change(NextRekeyCheck(), Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Disposed with the transport meanwhile.
        }
    }

    /// <summary>True when the bytes or time since the last key exchange call for a new one (after authentication).</summary>
    private bool RekeyDue()
    {
        if (!_userAuthenticated || KeyExchangeCount == 0 || _outgoingKex is not null || _peerKexInit is not null) return false;
        if (_writer.BytesSinceRekey >= _rekeyLimitBytes || _reader.BytesSinceRekey >= _rekeyLimitBytes) return true;
        return _options.RekeyInterval > TimeSpan.Zero && DateTime.UtcNow - _lastKex >= _options.RekeyInterval;
    }

    /// <summary>Starts a key re-exchange now (as OpenSSH's ~R).</summary>
    public async ValueTask RekeyAsync(CancellationToken ct = default)
    {
        await _sendLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_outgoingKex is null && _peerKexInit is null) await SendKexInitLockedAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async ValueTask SendKexInitLockedAsync(CancellationToken ct)
    {
        bool first = KeyExchangeCount == 0;
        var kex = first ? [.. _options.KexAlgorithms, ExtInfoClient, StrictKexClient] : _options.KexAlgorithms.ToArray();
        var ciphers = _options.Ciphers.ToArray();
        var macs = _options.Macs.ToArray();
        var msg = new KexInitMessage
        {
            Cookie = RandomCookie(),
            KexAlgorithms = kex,
            ServerHostKeyAlgorithms = [.. _options.HostKeyAlgorithms],
            EncryptionClientToServer = ciphers,
            EncryptionServerToClient = ciphers,
            MacClientToServer = macs,
            MacServerToClient = macs,
        };
        using var b = new SshBuffer(1024);
        var w = b.Writer;
        msg.Write(ref w);
        _ourKexInit = b.ToArray();
        _outgoingKex = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (first)
        {
            // Our first two choices: servers without ML-KEM (OpenSSH before 9.9) settle on the second.
            _speculativeKex = [.. _options.KexAlgorithms.Where(k => !CryptoFactory.IsGroupExchange(k)).Take(2)
                .Select(name => (name, Task.Run(() => CryptoFactory.CreateKeyExchange(name), CancellationToken.None)))];
        }
        Log(1, "SSH2_MSG_KEXINIT sent");
        await _writer.WriteAsync(_ourKexInit, ct).ConfigureAwait(false);
    }

    private async ValueTask HandleKexMessageAsync(ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        byte n = payload.Span[0];
        if (_ignoreGuessedPacket && n is >= 30 and <= 49)
        {
            _ignoreGuessedPacket = false;
            return;
        }
        switch (n)
        {
            case MessageNumbers.KexInit:
                await OnKexInitAsync(payload, ct).ConfigureAwait(false);
                return;
            case MessageNumbers.KexEcdhReply when _stage == KexStage.AwaitingReply:
                var reply = KexEcdhReplyMessage.Read(payload.Span);
                await FinishKexAsync(reply, ct).ConfigureAwait(false);
                return;
            case MessageNumbers.KexDhGexGroup when _stage == KexStage.AwaitingGexGroup:
                await OnGexGroupAsync(KexDhGexGroupMessage.Read(payload.Span), ct).ConfigureAwait(false);
                return;
            case MessageNumbers.KexDhGexReply when _stage == KexStage.AwaitingGexReply:
                await FinishKexAsync(KexEcdhReplyMessage.Read(payload.Span), ct).ConfigureAwait(false);
                return;
            case MessageNumbers.NewKeys when _stage == KexStage.AwaitingNewKeys:
                OnNewKeys(payload.Span);
                return;
            default:
                throw Fail(new SshProtocolException($"unexpected key exchange message {n}"));
        }
    }

    private async ValueTask OnKexInitAsync(ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        if (_peerKexInit is not null) throw Fail(new SshProtocolException("SSH_MSG_KEXINIT received twice in one key exchange"));
        uint seq = _reader.SequenceNumber - 1;
        var peer = KexInitMessage.Read(payload.Span);
        _peerKexInit = payload.ToArray();
        Log(1, "SSH2_MSG_KEXINIT received");
        if (KeyExchangeCount == 0)
        {
            StrictKex = peer.KexAlgorithms.Contains(StrictKexServer);
            if (StrictKex && seq != 0) throw Fail(new SshProtocolException("strict KEX violation: SSH_MSG_KEXINIT was not the first packet"));
        }
        // Answer with our KEXINIT unless we already sent one. The check is made under the send lock:
        // a sender may have started a rekey of its own (RekeyDue) since this message arrived, and a
        // second KEXINIT would change I_C under the exchange hash.
        await _sendLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_outgoingKex is null) await SendKexInitLockedAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
        var ours = KexInitMessage.Read(_ourKexInit);
        _pending = AlgorithmNegotiation.Negotiate(ours, peer);
        Log(1, $"kex: algorithm: {_pending.Kex}");
        Log(1, $"kex: host key algorithm: {_pending.HostKey}");
        Log(1, $"kex: server->client cipher: {_pending.CipherServerToClient} MAC: {_pending.MacServerToClient ?? "<implicit>"} compression: none");
        Log(1, $"kex: client->server cipher: {_pending.CipherClientToServer} MAC: {_pending.MacClientToServer ?? "<implicit>"} compression: none");
        if (peer.FirstKexPacketFollows && (peer.KexAlgorithms.FirstOrDefault() != _pending.Kex || peer.ServerHostKeyAlgorithms.FirstOrDefault() != _pending.HostKey))
            _ignoreGuessedPacket = true;

        _kex?.Dispose();
        _kex = null;
        if (CryptoFactory.IsGroupExchange(_pending.Kex))
        {
            _gexPreferred = PreferredGroupBits(_pending);
            using var b = new SshBuffer();
            var w = b.Writer;
            new KexDhGexRequestMessage(GexMin, _gexPreferred, GexMax).Write(ref w);
            _stage = KexStage.AwaitingGexGroup;
            Log(1, $"SSH2_MSG_KEX_DH_GEX_REQUEST({GexMin}<{_gexPreferred}<{GexMax}) sent");
            await SendKexMessageAsync(b.WrittenMemory, ct).ConfigureAwait(false);
        }
        else
        {
            _kex = await TakeSpeculativeKexAsync(_pending.Kex).ConfigureAwait(false) ?? CryptoFactory.CreateKeyExchange(_pending.Kex);
            await SendKexInitValueAsync(MessageNumbers.KexEcdhInit, ct).ConfigureAwait(false);
            _stage = KexStage.AwaitingReply;
        }
    }

    /// <summary>The keys made ahead for <paramref name="kex"/>, if that is what was negotiated; others are discarded.</summary>
    private async ValueTask<IKeyExchange?> TakeSpeculativeKexAsync(string kex)
    {
        if (_speculativeKex is not { } specs) return null;
        _speculativeKex = null;
        IKeyExchange? chosen = null;
        foreach (var (name, keys) in specs)
        {
            if (name == kex && chosen is null)
            {
                chosen = await keys.ConfigureAwait(false);
            }
            else
            {
                // Not needed: never wait for it, just drop its keys once made.
                _ = keys.ContinueWith(static t => { if (t.IsCompletedSuccessfully) t.Result.Dispose(); }, TaskScheduler.Default);
            }
        }
        return chosen;
    }

    private async ValueTask OnGexGroupAsync(KexDhGexGroupMessage group, CancellationToken ct)
    {
        int bits = BitLength(group.Prime);
        if (bits < GexMin || bits > GexMax) throw Fail(new SshProtocolException($"server sent a DH group of {bits} bits, outside {GexMin}..{GexMax}"));
        _gexGroup = group;
        _kex = CryptoFactory.CreateGroupExchange(_pending!.Kex, group.Prime, group.Generator);
        Log(1, $"SSH2_MSG_KEX_DH_GEX_GROUP received ({bits} bits)");
        await SendKexInitValueAsync(MessageNumbers.KexDhGexInit, ct).ConfigureAwait(false);
        _stage = KexStage.AwaitingGexReply;
    }

    private async ValueTask SendKexInitValueAsync(byte number, CancellationToken ct)
    {
        using var b = new SshBuffer(2048);
        var w = b.Writer;
        new KexEcdhInitMessage(_kex!.ClientPublic.ToArray(), number).Write(ref w);
        await SendKexMessageAsync(b.WrittenMemory, ct).ConfigureAwait(false);
    }

    private async ValueTask FinishKexAsync(KexEcdhReplyMessage reply, CancellationToken ct)
    {
        var alg = _pending!;
        SshPublicKey hostKey;
        try
        {
            hostKey = SshPublicKey.FromBlob(reply.HostKey);
        }
        catch (SshKeyFormatException e)
        {
            throw Fail(new SshProtocolException("the server's host key is malformed: " + e.Message, e));
        }
        if (hostKey.KeyType != CryptoFactory.HostKeyTypeFor(alg.HostKey))
            throw Fail(new SshProtocolException($"the server sent a {hostKey.KeyType} host key for {alg.HostKey}"));

        byte[] k = _kex!.DeriveSharedSecret(reply.ServerPublic);
        byte[] h;
        try
        {
            h = ExchangeHash(reply, k);
        }
        catch
        {
            CryptographicOperations.ZeroMemory(k);
            throw;
        }
        if (!hostKey.Verify(h, reply.Signature, alg.HostKey))
        {
            CryptographicOperations.ZeroMemory(k);
            throw Fail(new SshProtocolException("incorrect signature on the key exchange: the server could not prove it holds its host key"));
        }
        bool first = KeyExchangeCount == 0;
        if (first)
        {
            Log(1, $"Server host key: {hostKey.KeyType} {hostKey.Fingerprint(_options.FingerprintHash)}");
            bool trusted;
            try
            {
                trusted = await _options.VerifyHostKey(new HostKeyCheck(hostKey, alg.HostKey, reply.HostKey), ct).ConfigureAwait(false);
            }
            catch
            {
                CryptographicOperations.ZeroMemory(k);
                throw;
            }
            if (!trusted)
            {
                CryptographicOperations.ZeroMemory(k);
                throw Fail(new SshConnectionException("Host key verification failed."));
            }
            _sessionId = h;
            _firstHostKey = reply.HostKey;
            SessionSignature = reply.Signature;
        }
        else if (!reply.HostKey.AsSpan().SequenceEqual(_firstHostKey))
        {
            CryptographicOperations.ZeroMemory(k);
            throw Fail(new SshProtocolException("the server's host key changed during key re-exchange"));
        }
        var outgoing = InstallKeys(alg, k, h);
        CryptographicOperations.ZeroMemory(k);
        await SendNewKeysAsync(outgoing).ConfigureAwait(false);
    }

    private byte[] ExchangeHash(KexEcdhReplyMessage reply, byte[] encodedK)
    {
        using var b = new SshBuffer(4096);
        var w = b.Writer;
        w.WriteString(_options.ClientVersion);
        w.WriteString(ServerVersion);
        w.WriteString(_ourKexInit);
        w.WriteString(_peerKexInit);
        w.WriteString(reply.HostKey);
        if (_gexGroup is not null && _stage == KexStage.AwaitingGexReply)
        {
            w.WriteUInt32(GexMin);
            w.WriteUInt32(_gexPreferred);
            w.WriteUInt32(GexMax);
            w.WriteMpint(_gexGroup.Prime);
            w.WriteMpint(_gexGroup.Generator);
        }
        w.WriteString(_kex!.ClientPublic);
        w.WriteString(reply.ServerPublic);
        w.WriteRaw(encodedK);
        var hash = _kex.Hash;
        byte[] h = hash == HashAlgorithmName.SHA512 ? SHA512.HashData(b.WrittenSpan)
            : hash == HashAlgorithmName.SHA384 ? SHA384.HashData(b.WrittenSpan)
            : SHA256.HashData(b.WrittenSpan);
        b.Clear();
        return h;
    }

    private IPacketProtector InstallKeys(NegotiatedAlgorithms alg, byte[] k, byte[] h)
    {
        var hash = _kex!.Hash;
        var outgoing = CryptoFactory.CreateProtector(alg.CipherClientToServer, alg.MacClientToServer, encrypt: true,
            length => KeyDerivation.Derive(hash, k, h, 'A', _sessionId, length),
            length => KeyDerivation.Derive(hash, k, h, 'C', _sessionId, length),
            length => KeyDerivation.Derive(hash, k, h, 'E', _sessionId, length));
        _pendingIncoming = CryptoFactory.CreateProtector(alg.CipherServerToClient, alg.MacServerToClient, encrypt: false,
            length => KeyDerivation.Derive(hash, k, h, 'B', _sessionId, length),
            length => KeyDerivation.Derive(hash, k, h, 'D', _sessionId, length),
            length => KeyDerivation.Derive(hash, k, h, 'F', _sessionId, length));
        _rekeyLimitBytes = RekeyLimitFor(outgoing.BlockSize);
        _kex.Dispose();
        _kex = null;
        _stage = KexStage.AwaitingNewKeys;
        return outgoing;
    }

    private async Task SendNewKeysAsync(IPacketProtector outgoing)
    {
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await _writer.WriteAsync(new byte[] { MessageNumbers.NewKeys }, CancellationToken.None).ConfigureAwait(false);
            var old = _writer.Protector;
            _writer.Protector = outgoing;
            old.Dispose();
            if (StrictKex) _writer.SequenceNumber = 0;
            _writer.BytesSinceRekey = 0;
            _writer.PacketsSinceRekey = 0;
            Log(1, "SSH2_MSG_NEWKEYS sent");
            var done = _outgoingKex;
            _outgoingKex = null;
            done?.TrySetResult();
        }
        catch (Exception e) when (e is IOException or SshException or ObjectDisposedException)
        {
            Fail(e as SshConnectionException ?? new SshConnectionException("Connection to the server lost: " + e.Message, e));
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private void OnNewKeys(ReadOnlySpan<byte> payload)
    {
        if (payload.Length != 1) throw Fail(new SshProtocolException("malformed SSH_MSG_NEWKEYS"));
        var old = _reader.Protector;
        _reader.Protector = _pendingIncoming!;
        _pendingIncoming = null;
        old.Dispose();
        if (StrictKex) _reader.SequenceNumber = 0;
        _reader.BytesSinceRekey = 0;
        _reader.PacketsSinceRekey = 0;
        Algorithms = _pending;
        _peerKexInit = null;
        _gexGroup = null;
        _stage = KexStage.Idle;
        _lastKex = DateTime.UtcNow;
        KeyExchangeCount++;
        Log(1, "SSH2_MSG_NEWKEYS received");
        if (KeyExchangeCount == 1) _initialKexDone?.TrySetResult();
    }

    /// <summary>OpenSSH's default: 2^(2·block) blocks for 16-byte ciphers, else 1 GiB; capped by RekeyLimit.</summary>
    private long RekeyLimitFor(int blockSize)
    {
        long limit = blockSize >= 16 ? (1L << 32) * blockSize : 1L << 30;
        if (_options.RekeyBytes > 0) limit = Math.Min(limit, _options.RekeyBytes);
        return limit;
    }

    /// <summary>The group size to ask for: enough for the cipher's strength, as OpenSSH's dh_estimate.</summary>
    private static uint PreferredGroupBits(NegotiatedAlgorithms alg)
    {
        int keyBits = Math.Max(CryptoFactory.CipherKeyBits(alg.CipherClientToServer), CryptoFactory.CipherKeyBits(alg.CipherServerToClient));
        return keyBits <= 128 ? 3072u : keyBits <= 192 ? 7680u : 8192u;
    }

    private static int BitLength(ReadOnlySpan<byte> magnitude)
    {
        int i = 0;
        while (i < magnitude.Length && magnitude[i] == 0) i++;
        if (i == magnitude.Length) return 0;
        return (magnitude.Length - i - 1) * 8 + (32 - System.Numerics.BitOperations.LeadingZeroCount((uint)magnitude[i]));
    }
}
