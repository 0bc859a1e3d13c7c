using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Hop.Ssh.Connection.Messages;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Tests.Connection;

/// <summary>
/// A small SSH server side for the connection layer's tests, written from the RFC apart from the
/// client's code: it answers channel opens and requests, runs a few scripted "commands", keeps its
/// own flow control (small windows), and can misbehave on purpose.
/// Commands: "echo TEXT", "split" (out/err/exit 3), "kill" (exit-signal), "cat" (stdin → stdout),
/// "sha256" (hash of stdin), "generate N" (N pattern bytes), "flood N" (N bytes ignoring the window),
/// "eof-then-data", "unknown-channel", "hang" (never replies), "fail" (refuses), "server-keepalive",
/// "yes" (pattern bytes until the client sends eow@openssh.com, then exit-signal PIPE as sshd's
/// command would end; after 64 MiB without it, exit status 0).
/// direct-tcpip: host "refuse" is refused, "ignore" never answered, "late" confirmed after a second, any other echoes.
/// </summary>
public sealed class ScriptedServer
{
    private readonly InMemoryPacketConnection _connection;
    private readonly ConcurrentDictionary<uint, ServerChannel> _channels = new();
    private readonly ConcurrentDictionary<uint, TaskCompletionSource<byte[]>> _pendingOpens = new();
    private uint _nextId = 100;
    private Task? _loop;

    public ScriptedServer(InMemoryPacketConnection connection) => _connection = connection;

    public uint Window { get; init; } = 64 * 1024;
    public uint MaxPacket { get; init; } = 16 * 1024;
    public bool AnswerKeepalives { get; set; } = true;
    public int KeepalivesReceived;
    public int ClosesReceived;

    /// <summary>Every channel request the client made, in order.</summary>
    public ConcurrentQueue<ChannelRequestMessage> Requests { get; } = new();

    /// <summary>Things the client did wrong (e.g. sent past our window); tests assert it stays empty.</summary>
    public ConcurrentQueue<string> Violations { get; } = new();

    /// <summary>Replies the client gave to our channel requests (99 or 100).</summary>
    public ConcurrentQueue<byte> ChannelReplies { get; } = new();

    public TaskCompletionSource<byte[]> GlobalReply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The first tun@openssh.com channel the client opened (accepted), and what it asked for.</summary>
    public TaskCompletionSource<(ServerChannel Channel, TunChannelOpenDetails Details)> TunOpened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Loop => _loop ?? Task.CompletedTask;

    public void Start() => _loop = Task.Run(LoopAsync);

    public static byte PatternByte(long i) => (byte)((ulong)(i * 2654435761L) >> 13);

    public static byte[] Pattern(long offset, int count)
    {
        var b = new byte[count];
        for (int i = 0; i < count; i++) b[i] = PatternByte(offset + i);
        return b;
    }

    public ValueTask SendAsync(byte[] payload) => _connection.SendAsync(payload);

    public static byte[] Build(Action<SshBuffer> write)
    {
        using var buffer = new SshBuffer();
        write(buffer);
        return buffer.ToArray();
    }

    /// <summary>Opens a channel to the client; gives the server channel, or the failure message.</summary>
    public async Task<(ServerChannel? Channel, ChannelOpenFailureMessage? Failure)> OpenToClientAsync(string type, ChannelOpenDetails? details)
    {
        uint id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingOpens[id] = reply;
        await SendAsync(Build(b =>
        {
            var w = b.Writer;
            new ChannelOpenMessage { ChannelType = type, SenderChannel = id, InitialWindowSize = Window, MaximumPacketSize = MaxPacket, Details = details }.Write(ref w);
        }));
        var payload = await reply.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var r = new SshReader(payload);
        if (payload[0] == ConnectionMessageNumbers.ChannelOpenFailure) return (null, ChannelOpenFailureMessage.Read(ref r));
        var confirmation = ChannelOpenConfirmationMessage.Read(ref r);
        var channel = new ServerChannel(this, id, confirmation.SenderChannel, confirmation.InitialWindowSize, confirmation.MaximumPacketSize);
        _channels[id] = channel;
        return (channel, null);
    }

    private async Task LoopAsync()
    {
        while (true)
        {
            byte[] payload;
            try
            {
                payload = (await _connection.ReceiveAsync()).ToArray();
            }
            catch (SshException)
            {
                foreach (var c in _channels.Values) c.Stdin.Writer.TryComplete(new SshConnectionException("gone"));
                return;
            }
            try
            {
                await HandleAsync(payload);
            }
            catch (SshConnectionException)
            {
                // The client went away while we answered.
                return;
            }
        }
    }

    private async Task HandleAsync(byte[] p)
    {
        var r = new SshReader(p);
        switch (p[0])
        {
            case ConnectionMessageNumbers.GlobalRequest:
                {
                    var m = GlobalRequestMessage.Read(ref r);
                    if (m.RequestName == GlobalRequestMessage.KeepaliveOpenSsh)
                    {
                        Interlocked.Increment(ref KeepalivesReceived);
                        if (AnswerKeepalives && m.WantReply) await SendAsync([ConnectionMessageNumbers.RequestFailure]);
                    }
                    else if (m.RequestName == GlobalRequestMessage.TcpipForward)
                    {
                        var fr = new SshReader(m.RequestData.Span);
                        var forward = TcpipForwardRequest.Read(ref fr);
                        if (forward.Address == "refuse") await SendAsync([ConnectionMessageNumbers.RequestFailure]);
                        else if (forward.Port == 0) await SendAsync([ConnectionMessageNumbers.RequestSuccess, 0, 0, 0x9c, 0x40]);
                        else await SendAsync([ConnectionMessageNumbers.RequestSuccess]);
                    }
                    else if (m.RequestName == GlobalRequestMessage.StreamlocalForward)
                    {
                        var sr = new SshReader(m.RequestData.Span);
                        bool ok = StreamlocalForwardRequest.Read(ref sr).SocketPath.StartsWith('/');
                        await SendAsync([ok ? ConnectionMessageNumbers.RequestSuccess : ConnectionMessageNumbers.RequestFailure]);
                    }
                    else if (m.WantReply && m.RequestName != "never-answered@example.org")
                    {
                        await SendAsync([ConnectionMessageNumbers.RequestFailure]);
                    }
                    break;
                }
            case ConnectionMessageNumbers.RequestSuccess:
            case ConnectionMessageNumbers.RequestFailure:
                GlobalReply.TrySetResult(p);
                break;
            case ConnectionMessageNumbers.ChannelOpen:
                await OnOpenAsync(ChannelOpenMessage.Read(ref r));
                break;
            case ConnectionMessageNumbers.ChannelOpenConfirmation:
            case ConnectionMessageNumbers.ChannelOpenFailure:
                {
                    uint recipient = BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(1));
                    if (_pendingOpens.TryRemove(recipient, out var waiter)) waiter.TrySetResult(p);
                    break;
                }
            case ConnectionMessageNumbers.ChannelWindowAdjust:
                {
                    var m = ChannelWindowAdjustMessage.Read(ref r);
                    Get(m.RecipientChannel)?.AddWindow(m.BytesToAdd);
                    break;
                }
            case ConnectionMessageNumbers.ChannelData:
                {
                    var m = ChannelDataMessage.Read(ref r);
                    Get(m.RecipientChannel)?.OnData(m.Data.ToArray());
                    break;
                }
            case ConnectionMessageNumbers.ChannelEof:
                Get(ChannelSignalMessage.Read(ref r).RecipientChannel)?.Stdin.Writer.TryComplete();
                break;
            case ConnectionMessageNumbers.ChannelClose:
                {
                    var ch = Get(ChannelSignalMessage.Read(ref r).RecipientChannel);
                    if (ch is null) break;
                    Interlocked.Increment(ref ClosesReceived);
                    _channels.TryRemove(ch.Id, out _);
                    ch.Stdin.Writer.TryComplete();
                    await ch.CloseAsync();
                    break;
                }
            case ConnectionMessageNumbers.ChannelRequest:
                await OnRequestAsync(ChannelRequestMessage.Read(ref r));
                break;
            case ConnectionMessageNumbers.ChannelSuccess:
            case ConnectionMessageNumbers.ChannelFailure:
                ChannelReplies.Enqueue(p[0]);
                break;
            default:
                Violations.Enqueue($"unexpected message {p[0]}");
                break;
        }
    }

    private ServerChannel? Get(uint id)
    {
        if (_channels.TryGetValue(id, out var ch)) return ch;
        Violations.Enqueue($"message for unknown channel {id}");
        return null;
    }

    private async Task OnOpenAsync(ChannelOpenMessage m)
    {
        if (m.ChannelType == ChannelTypes.DirectTcpip && m.Details is TcpipChannelOpenDetails { Host: "refuse" })
        {
            await SendAsync(Build(b =>
            {
                var w = b.Writer;
                new ChannelOpenFailureMessage { RecipientChannel = m.SenderChannel, ReasonCode = ChannelOpenFailureReason.ConnectFailed, Description = "Connection refused" }.Write(ref w);
            }));
            return;
        }
        if (m.ChannelType == ChannelTypes.DirectTcpip && m.Details is TcpipChannelOpenDetails { Host: "ignore" }) return;
        if (m.ChannelType == ChannelTypes.DirectTcpip && m.Details is TcpipChannelOpenDetails { Host: "late" })
        {
            _ = Task.Run(async () =>
            {
                await Task.Delay(1000);
                await ConfirmAsync(m);
            });
            return;
        }
        if (m.ChannelType == ChannelTypes.Tun)
        {
            var tun = await ConfirmAsync(m);
            TunOpened.TrySetResult((tun, (TunChannelOpenDetails)m.Details!));
            return;
        }
        if (m.ChannelType is not (ChannelTypes.Session or ChannelTypes.DirectTcpip))
        {
            await SendAsync(Build(b =>
            {
                var w = b.Writer;
                new ChannelOpenFailureMessage { RecipientChannel = m.SenderChannel, ReasonCode = ChannelOpenFailureReason.UnknownChannelType, Description = "unknown channel type" }.Write(ref w);
            }));
            return;
        }
        await ConfirmAsync(m);
    }

    private async Task<ServerChannel> ConfirmAsync(ChannelOpenMessage m)
    {
        uint id = Interlocked.Increment(ref _nextId);
        var ch = new ServerChannel(this, id, m.SenderChannel, m.InitialWindowSize, m.MaximumPacketSize);
        _channels[id] = ch;
        await SendAsync(Build(b =>
        {
            var w = b.Writer;
            new ChannelOpenConfirmationMessage { RecipientChannel = m.SenderChannel, SenderChannel = id, InitialWindowSize = Window, MaximumPacketSize = MaxPacket }.Write(ref w);
        }));
        if (m.ChannelType == ChannelTypes.DirectTcpip) _ = Task.Run(() => EchoAsync(ch));
        return ch;
    }

    private async Task OnRequestAsync(ChannelRequestMessage m)
    {
        Requests.Enqueue(m);
        var ch = Get(m.RecipientChannel);
        if (ch is null) return;
        if (m.RequestType == ChannelRequestTypes.EndOfWrite) ch.EndOfWrite = true;
        if (m.RequestType == ChannelRequestTypes.Exec && m.Details is CommandRequestDetails command)
        {
            string text = command.Text;
            if (text == "hang") return;
            if (text == "fail")
            {
                await SendAsync(ChannelSignalMessage.Failure(ch.ClientId).ToArray());
                return;
            }
            if (m.WantReply) await SendAsync(ChannelSignalMessage.Success(ch.ClientId).ToArray());
            _ = Task.Run(() => RunAsync(ch, text));
            return;
        }
        if (m.WantReply) await SendAsync(ChannelSignalMessage.Success(ch.ClientId).ToArray());
    }

    private async Task RunAsync(ServerChannel ch, string command)
    {
        try
        {
            string[] words = command.Split(' ', 2);
            switch (words[0])
            {
                case "echo":
                    await ch.SendDataAsync(Encoding.UTF8.GetBytes(words[1]));
                    await ch.ExitAsync(0);
                    break;
                case "split":
                    await ch.SendDataAsync("out"u8.ToArray());
                    await ch.SendDataAsync("err"u8.ToArray(), stderr: true);
                    await ch.ExitAsync(3);
                    break;
                case "kill":
                    await ch.SendRequestAsync(ChannelRequestTypes.ExitSignal, new ExitSignalRequestDetails { SignalName = "TERM", CoreDumped = true, ErrorMessage = "killed" });
                    await ch.SendEofAsync();
                    await ch.CloseAsync();
                    break;
                case "cat":
                    while (await ch.ReadStdinAsync() is { } chunk) await ch.SendDataAsync(chunk);
                    await ch.ExitAsync(0);
                    break;
                case "sha256":
                    {
                        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                        while (await ch.ReadStdinAsync() is { } chunk) hash.AppendData(chunk);
                        await ch.SendDataAsync(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(hash.GetHashAndReset())));
                        await ch.ExitAsync(0);
                        break;
                    }
                case "generate":
                    {
                        long total = long.Parse(words[1], System.Globalization.CultureInfo.InvariantCulture);
                        for (long sent = 0; sent < total;)
                        {
                            int n = (int)Math.Min(100_000, total - sent);
                            await ch.SendDataAsync(Pattern(sent, n));
                            sent += n;
                        }
                        await ch.ExitAsync(0);
                        break;
                    }
                case "yes":
                    {
                        long sent = 0;
                        for (; !ch.EndOfWrite && sent < 64 * 1024 * 1024; sent += 100_000) await ch.SendDataAsync(Pattern(sent, 100_000));
                        if (!ch.EndOfWrite)
                        {
                            await ch.ExitAsync(0);
                            break;
                        }
                        await ch.SendRequestAsync(ChannelRequestTypes.ExitSignal, new ExitSignalRequestDetails { SignalName = "PIPE", CoreDumped = false, ErrorMessage = "" });
                        await ch.SendEofAsync();
                        await ch.CloseAsync();
                        break;
                    }
                case "flood":
                    {
                        int n = int.Parse(words[1], System.Globalization.CultureInfo.InvariantCulture);
                        await SendAsync(Build(b =>
                        {
                            var w = b.Writer;
                            new ChannelDataMessage(ch.ClientId, new byte[n]).Write(ref w);
                        }));
                        break;
                    }
                case "eof-then-data":
                    await SendAsync(ChannelSignalMessage.Eof(ch.ClientId).ToArray());
                    await SendAsync(Build(b =>
                    {
                        var w = b.Writer;
                        new ChannelDataMessage(ch.ClientId, "late"u8).Write(ref w);
                    }));
                    break;
                case "unknown-channel":
                    await SendAsync(Build(b =>
                    {
                        var w = b.Writer;
                        new ChannelDataMessage(999, "stray"u8).Write(ref w);
                    }));
                    break;
                case "server-keepalive":
                    await ch.SendRequestAsync(ChannelRequestTypes.KeepaliveOpenSsh, null, wantReply: true);
                    break;
                default:
                    await ch.SendDataAsync(Encoding.UTF8.GetBytes($"unknown command {command}"), stderr: true);
                    await ch.ExitAsync(127);
                    break;
            }
        }
        catch (SshException)
        {
            // The connection went away under the command.
        }
    }

    private static async Task EchoAsync(ServerChannel ch)
    {
        try
        {
            while (await ch.ReadStdinAsync() is { } chunk) await ch.SendDataAsync(chunk);
            await ch.SendEofAsync();
            await ch.CloseAsync();
        }
        catch (SshException)
        {
        }
    }

    /// <summary>The server's side of one channel, with its own flow control.</summary>
    public sealed class ServerChannel
    {
        private readonly ScriptedServer _server;
        private readonly SemaphoreSlim _windowAdded = new(0);
        private readonly SemaphoreSlim _control = new(1);
        private long _clientWindow;
        private long _localWindow;
        private long _consumed;
        private int _closeSent;

        public ServerChannel(ScriptedServer server, uint id, uint clientId, uint clientWindow, uint clientMaxPacket)
        {
            _server = server;
            Id = id;
            ClientId = clientId;
            _clientWindow = clientWindow;
            ClientMaxPacket = (int)clientMaxPacket;
            _localWindow = server.Window;
        }

        public uint Id { get; }
        public uint ClientId { get; }

        /// <summary>The client sent eow@openssh.com: it will not write this channel's data any more.</summary>
        public volatile bool EndOfWrite;
        public int ClientMaxPacket { get; }
        public Channel<byte[]> Stdin { get; } = Channel.CreateUnbounded<byte[]>();

        public ValueTask SendAsync(byte[] payload) => _server.SendAsync(payload);

        public void AddWindow(uint n)
        {
            Interlocked.Add(ref _clientWindow, n);
            _windowAdded.Release();
        }

        public void OnData(byte[] data)
        {
            if (data.Length > ClientMaxPacket && data.Length > _server.MaxPacket) _server.Violations.Enqueue($"client sent a packet of {data.Length} bytes");
            if (Interlocked.Add(ref _localWindow, -data.Length) < 0) _server.Violations.Enqueue("client sent past our window");
            Stdin.Writer.TryWrite(data);
        }

        /// <summary>The next chunk of stdin (null at EOF); consuming it grants the window back.</summary>
        public async Task<byte[]?> ReadStdinAsync()
        {
            if (!await Stdin.Reader.WaitToReadAsync()) return null;
            if (!Stdin.Reader.TryRead(out var chunk)) return null;
            long consumed = Interlocked.Add(ref _consumed, chunk.Length);
            if (consumed >= _server.Window / 2)
            {
                Interlocked.Exchange(ref _consumed, 0);
                Interlocked.Add(ref _localWindow, consumed);
                var adjust = new byte[ChannelWindowAdjustMessage.Length];
                new ChannelWindowAdjustMessage(ClientId, (uint)consumed).WriteTo(adjust);
                await SendAsync(adjust);
            }
            return chunk;
        }

        public async Task SendDataAsync(byte[] data, bool stderr = false)
        {
            int offset = 0;
            while (offset < data.Length)
            {
                long window = Interlocked.Read(ref _clientWindow);
                if (window <= 0)
                {
                    if (!await _windowAdded.WaitAsync(TimeSpan.FromSeconds(20))) throw new SshException("client never opened its window");
                    continue;
                }
                int n = (int)Math.Min(Math.Min(window, ClientMaxPacket), data.Length - offset);
                Interlocked.Add(ref _clientWindow, -n);
                var slice = data.AsSpan(offset, n).ToArray();
                await SendAsync(Build(b =>
                {
                    var w = b.Writer;
                    if (stderr) new ChannelExtendedDataMessage(ClientId, ChannelExtendedDataMessage.Stderr, slice).Write(ref w);
                    else new ChannelDataMessage(ClientId, slice).Write(ref w);
                }));
                offset += n;
            }
        }

        public async Task SendRequestAsync(string type, ChannelRequestDetails? details, bool wantReply = false)
        {
            await SendAsync(Build(b =>
            {
                var w = b.Writer;
                new ChannelRequestMessage { RecipientChannel = ClientId, RequestType = type, WantReply = wantReply, Details = details }.Write(ref w);
            }));
        }

        public async Task ExitAsync(uint status)
        {
            await SendRequestAsync(ChannelRequestTypes.ExitStatus, new ExitStatusRequestDetails(status));
            await SendEofAsync();
            await CloseAsync();
        }

        /// <summary>EOF, unless CLOSE went first (nothing may follow CLOSE).</summary>
        public async Task SendEofAsync()
        {
            await _control.WaitAsync();
            try
            {
                if (_closeSent == 0) await SendAsync(ChannelSignalMessage.Eof(ClientId).ToArray());
            }
            finally
            {
                _control.Release();
            }
        }

        public async Task CloseAsync()
        {
            await _control.WaitAsync();
            try
            {
                if (Interlocked.Exchange(ref _closeSent, 1) == 0) await SendAsync(ChannelSignalMessage.Close(ClientId).ToArray());
            }
            finally
            {
                _control.Release();
            }
        }
    }
}
