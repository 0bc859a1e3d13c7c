using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Hop.Ssh.Crypto;
using Hop.Ssh.Keys;
using Hop.Ssh.Transport;
using Hop.Ssh.Transport.Messages;
using Hop.Ssh.Wire;

namespace Hop.Interop.Tests.Hostile;

/// <summary>How the scripted server misbehaves.</summary>
public enum Misbehaviour
{
    None,
    Silent,
    GarbageVersion,
    TooLongPacket,
    BadPadding,
    BadMac,
    UnexpectedMessageDuringKex,
    DisconnectAfterKex,

    /// <summary>Well-behaved, but sends text lines before its version line (RFC 4253 §4.2 allows them).</summary>
    BannerLinesBeforeVersion,

    /// <summary>Sends a message number nobody defines; the client must answer SSH_MSG_UNIMPLEMENTED.</summary>
    UnknownMessage,
}

/// <summary>
/// A small SSH server of our own, on 127.0.0.1, for what no real peer here can do: the key
/// exchanges OpenSSH 9.2 lacks (mlkem768x25519-sha256) and servers that break the protocol on
/// purpose. It runs the server side of the transport with the library's own packet framing and
/// KEX math, then answers the ssh-userauth service request.
/// </summary>
public sealed class MiniSshServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Misbehaviour _mode;
    private readonly string _kex;
    private readonly Ed25519PrivateKey _hostKey = Ed25519PrivateKey.Generate();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public MiniSshServer(Misbehaviour mode = Misbehaviour.None, string kex = "curve25519-sha256")
    {
        _mode = mode;
        _kex = kex;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public Misbehaviour Mode => _mode;
    public SshPublicKey HostKey => _hostKey.PublicKey;

    /// <summary>Messages received from the client after authentication's service request, for assertions.</summary>
    public List<string> Events { get; } = [];

    /// <summary>A known_hosts line for this server.</summary>
    public string KnownHostsLine => $"[127.0.0.1]:{Port} {HostKey.ToOpenSshLine()}";

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    try
                    {
                        await ServeAsync(client.GetStream(), _stop.Token);
                    }
                    catch (Exception e) when (e is IOException or OperationCanceledException or Hop.Ssh.SshException or ObjectDisposedException)
                    {
                        lock (Events) Events.Add("ended: " + e.Message);
                    }
                }
            });
        }
    }

    private async Task ServeAsync(NetworkStream stream, CancellationToken ct)
    {
        if (_mode == Misbehaviour.Silent)
        {
            await Task.Delay(Timeout.Infinite, ct);
            return;
        }
        if (_mode == Misbehaviour.GarbageVersion)
        {
            var junk = Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\n");
            for (int i = 0; i < 5000; i++) await stream.WriteAsync(junk, ct);
            await Task.Delay(Timeout.Infinite, ct);
            return;
        }
        const string serverVersion = "SSH-2.0-HopMiniServer_1.0";
        if (_mode == Misbehaviour.BannerLinesBeforeVersion)
            await stream.WriteAsync(Encoding.ASCII.GetBytes("Welcome to the test server\r\nSecond line of text\n"), ct);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(serverVersion + "\r\n"), ct);
        var reader = new PacketReader(stream, CipherAlgorithms.CreateNone());
        var writer = new PacketWriter(stream, CipherAlgorithms.CreateNone());
        string clientVersion = await reader.ReadLineAsync(ct);

        if (_mode == Misbehaviour.TooLongPacket)
        {
            await stream.WriteAsync(new byte[] { 0x7f, 0xff, 0xff, 0xf0, 4, 0, 0, 0 }, ct);
            await Task.Delay(Timeout.Infinite, ct);
            return;
        }
        if (_mode == Misbehaviour.BadPadding)
        {
            // packet_length 12, padding_length 200: more padding than the packet holds.
            await stream.WriteAsync(new byte[] { 0, 0, 0, 12, 200, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, ct);
            await Task.Delay(Timeout.Infinite, ct);
            return;
        }

        var clientKexInit = (await reader.ReadPacketAsync(ct)).ToArray();
        var serverKexInit = new KexInitMessage
        {
            Cookie = RandomNumberGenerator.GetBytes(16),
            KexAlgorithms = [_kex, "kex-strict-s-v00@openssh.com"],
            ServerHostKeyAlgorithms = ["ssh-ed25519"],
            EncryptionClientToServer = ["aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes128-ctr"],
            EncryptionServerToClient = ["aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes128-ctr"],
            MacClientToServer = ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-256"],
            MacServerToClient = ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-256"],
        };
        byte[] serverKexInitBytes = Build((ref SshWriter w) => serverKexInit.Write(ref w));
        await writer.WriteAsync(serverKexInitBytes, ct);
        if (_mode == Misbehaviour.UnexpectedMessageDuringKex)
        {
            await writer.WriteAsync(Build((ref SshWriter w) => new ServiceMessage(MessageNumbers.ServiceAccept, "ssh-userauth").Write(ref w)), ct);
            await Task.Delay(Timeout.Infinite, ct);
            return;
        }
        var negotiated = AlgorithmNegotiation.Negotiate(KexInitMessage.Read(clientKexInit), serverKexInit);
        var init = KexEcdhInitMessage.Read((await reader.ReadPacketAsync(ct)).Span);
        var kexAlg = KexAlgorithms.Get(negotiated.Kex);
        using var kex = kexAlg.Create();
        var (serverPublic, k) = kex.Respond(init.ClientPublic);
        byte[] hostKeyBlob = HostKey.Blob.ToArray();
        byte[] hashInput = Build((ref SshWriter w) =>
        {
            w.WriteString(clientVersion);
            w.WriteString(serverVersion);
            w.WriteString(clientKexInit);
            w.WriteString(serverKexInitBytes);
            w.WriteString(hostKeyBlob);
            w.WriteString(init.ClientPublic);
            w.WriteString(serverPublic);
            w.WriteRaw(k);
        });
        byte[] h = kexAlg.Hash == HashAlgorithmName.SHA512 ? SHA512.HashData(hashInput) : SHA256.HashData(hashInput);
        byte[] signature = _hostKey.Sign(h, "ssh-ed25519");
        await writer.WriteAsync(Build((ref SshWriter w) => new KexEcdhReplyMessage(hostKeyBlob, serverPublic, signature).Write(ref w)), ct);
        await writer.WriteAsync(new byte[] { MessageNumbers.NewKeys }, ct);
        writer.Protector = Protector(negotiated.CipherServerToClient, negotiated.MacServerToClient, kexAlg.Hash, k, h, 'B', 'D', 'F');
        writer.SequenceNumber = 0;
        var newKeys = await reader.ReadPacketAsync(ct);
        if (newKeys.Span[0] != MessageNumbers.NewKeys) throw new Hop.Ssh.SshProtocolException("expected NEWKEYS");
        reader.Protector = Protector(negotiated.CipherClientToServer, negotiated.MacClientToServer, kexAlg.Hash, k, h, 'A', 'C', 'E');
        reader.SequenceNumber = 0;
        lock (Events) Events.Add($"kex {negotiated.Kex} done");

        if (_mode == Misbehaviour.DisconnectAfterKex)
        {
            await writer.WriteAsync(Build((ref SshWriter w) => new DisconnectMessage(DisconnectReason.ByApplication, "go away\u001b[31m").Write(ref w)), ct);
            return;
        }
        byte[]? serviceRequest = null;
        if (_mode == Misbehaviour.UnknownMessage)
        {
            uint unknownSeq = writer.SequenceNumber;
            await writer.WriteAsync(new byte[] { 150, 1, 2, 3 }, ct);
            bool answered = false;
            while (!answered || serviceRequest is null)
            {
                var m = await reader.ReadPacketAsync(ct);
                if (m.Span[0] == MessageNumbers.Unimplemented)
                {
                    var u = UnimplementedMessage.Read(m.Span);
                    lock (Events) Events.Add(u.SequenceNumber == unknownSeq ? "unimplemented for the right packet" : $"unimplemented for {u.SequenceNumber}, sent {unknownSeq}");
                    answered = true;
                }
                else
                {
                    serviceRequest = m.ToArray();
                }
            }
        }
        var request = serviceRequest ?? (await reader.ReadPacketAsync(ct)).ToArray();
        var service = ServiceMessage.Read(request);
        lock (Events) Events.Add("service " + service.ServiceName);
        if (_mode == Misbehaviour.BadMac)
        {
            // A packet whose tag is garbage: flip a bit in the sealed bytes before sending.
            var corrupt = new CorruptingStream(stream);
            var bad = new PacketWriter(corrupt, writer.Protector) { SequenceNumber = writer.SequenceNumber };
            await bad.WriteAsync(Build((ref SshWriter w) => new ServiceMessage(MessageNumbers.ServiceAccept, service.ServiceName).Write(ref w)), ct);
            await Task.Delay(Timeout.Infinite, ct);
            return;
        }
        await writer.WriteAsync(Build((ref SshWriter w) => new ServiceMessage(MessageNumbers.ServiceAccept, service.ServiceName).Write(ref w)), ct);
        // Refuse every authentication, so a client ends cleanly.
        while (true)
        {
            var m = await reader.ReadPacketAsync(ct);
            lock (Events) Events.Add($"message {m.Span[0]}");
            await writer.WriteAsync(new byte[] { 51, 0, 0, 0, 9, (byte)'p', (byte)'u', (byte)'b', (byte)'l', (byte)'i', (byte)'c', (byte)'k', (byte)'e', (byte)'y', 0 }, ct);
        }
    }

    private static IPacketProtector Protector(string cipherName, string? macName, HashAlgorithmName hash, byte[] k, byte[] h, char iv, char key, char mac)
    {
        var cipher = CipherAlgorithms.Get(cipherName);
        var m = cipher.IsAead || macName is null ? null : MacAlgorithms.Get(macName);
        return cipher.Create(
            KeyDerivation.Derive(hash, k, h, key, h, cipher.KeySize) is var kk ? kk : [],
            cipher.IvSize > 0 ? KeyDerivation.Derive(hash, k, h, iv, h, cipher.IvSize) : [],
            m,
            m is null ? [] : KeyDerivation.Derive(hash, k, h, mac, h, m.KeySize));
    }

    private delegate void Writes(ref SshWriter w);

    private static byte[] Build(Writes writes)
    {
        using var b = new SshBuffer();
        var w = b.Writer;
        writes(ref w);
        return b.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try { await _accepting; } catch (OperationCanceledException) { }
        _hostKey.Dispose();
        _stop.Dispose();
    }

    /// <summary>Flips one bit of the last byte written (inside the MAC or tag).</summary>
    private sealed class CorruptingStream(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var copy = buffer.ToArray();
            copy[^1] ^= 0x01;
            return inner.WriteAsync(copy, cancellationToken);
        }
    }
}
