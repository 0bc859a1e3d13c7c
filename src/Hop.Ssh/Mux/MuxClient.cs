using System.Net.Sockets;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Mux;

/// <summary>
/// A client of a ControlMaster's socket (PROTOCOL.mux), as ssh's mux client: checks the master,
/// asks it to exit or stop listening, opens forwards, and runs a session over the master's
/// connection with this process's stdin, stdout and stderr passed to it. Its calls block: a mux
/// client is one short exchange and a wait, made by a process that has nothing else to do meanwhile,
/// so it needs neither .NET's async socket engine nor its threads (see <see cref="BlockingUnixSocket"/>).
/// <see cref="Abort"/> ends a wait from another thread.
/// </summary>
public sealed class MuxClient : IDisposable
{
    private readonly BlockingUnixSocket _stream;
    private uint _nextRequestId;

    private MuxClient(BlockingUnixSocket socket) => _stream = socket;

    /// <summary>
    /// Connects to the master at <paramref name="path"/> and exchanges hellos. Throws
    /// <see cref="SocketException"/> when nothing listens there (no file, a stale socket) and
    /// <see cref="SshProtocolException"/> when the master speaks another version.
    /// </summary>
    public static MuxClient Connect(string path)
    {
        var client = new MuxClient(BlockingUnixSocket.Connect(path));
        try
        {
            client.Send(new MuxHello(MuxProtocol.Version), static (in MuxHello m, ref SshWriter w) => m.Write(ref w));
            var body = MuxFraming.Read(client._stream)
                ?? throw new SshProtocolException("the control socket closed before its hello");
            var reader = new SshReader(body);
            var hello = MuxHello.Read(ref reader);
            if (hello.Version != MuxProtocol.Version) throw new SshProtocolException($"the master speaks mux protocol version {hello.Version}, not {MuxProtocol.Version}");
            client.MasterExtensions = hello.ExtensionNames;
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>The names of the extensions in the master's hello (such as <see cref="MuxProtocol.ProxyGlobalRequestsExtension"/>).</summary>
    public IReadOnlyList<string> MasterExtensions { get; private set; } = [];

    /// <summary>MUX_C_ALIVE_CHECK: the master's process id.</summary>
    public uint AliveCheck()
    {
        var reply = Request(MuxProtocol.AliveCheck)
            ?? throw new SshConnectionException("the master closed the control socket without an answer");
        if (reply.Type != MuxProtocol.Alive) throw Unexpected(reply, "alive check");
        return reply.Value;
    }

    /// <summary>
    /// MUX_C_TERMINATE or MUX_C_STOP_LISTENING; a refusal is a <see cref="MuxRefusedException"/>. A master
    /// that closes the socket instead of answering a terminate has done what was asked (OpenSSH's exits
    /// before its answer goes out, and its own client takes that as success).
    /// </summary>
    public void RequestOk(uint type)
    {
        var reply = Request(type);
        if (reply is null && type == MuxProtocol.Terminate) return;
        if (reply is null) throw new SshConnectionException("the master closed the control socket without an answer");
        if (reply.Type != MuxProtocol.Ok) throw Unexpected(reply, "request");
    }

    /// <summary>
    /// MUX_C_OPEN_FWD or MUX_C_CLOSE_FWD (<paramref name="request"/>'s type; its request id is ours to
    /// give): the port the master's server allocated for a remote forward of port 0, else 0. A refusal
    /// is a <see cref="MuxRefusedException"/>.
    /// </summary>
    public uint Forward(MuxForward request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var sent = request with { RequestId = _nextRequestId++ };
        Send(sent, static (in MuxForward m, ref SshWriter w) => m.Write(ref w));
        var reply = ReadReply()
            ?? throw new SshConnectionException("the master closed the control socket without an answer");
        if (reply.Id != sent.RequestId) throw new SshProtocolException($"the master answered request {reply.Id}, not {sent.RequestId}");
        return reply.Type switch
        {
            MuxProtocol.Ok => 0,
            MuxProtocol.RemotePort => reply.Value,
            _ => throw Unexpected(reply, "forwarding request"),
        };
    }

    /// <summary>
    /// MUX_C_NEW_SESSION with <paramref name="stdin"/>, <paramref name="stdout"/> and
    /// <paramref name="stderr"/> passed to the master; returns the session id once it is open.
    /// </summary>
    public uint OpenSession(MuxNewSession request, int stdin, int stdout, int stderr)
    {
        ArgumentNullException.ThrowIfNull(request);
        var sent = request with { RequestId = _nextRequestId++ };
        Send(sent, static (in MuxNewSession m, ref SshWriter w) => m.Write(ref w));
        foreach (int fd in new[] { stdin, stdout, stderr }) DescriptorPassing.Send(_stream.Descriptor, fd);
        var reply = ReadReply()
            ?? throw new SshConnectionException("the master closed the control socket before the session opened");
        if (reply.Type != MuxProtocol.SessionOpened || reply.Id != sent.RequestId) throw Unexpected(reply, "session");
        return reply.Value;
    }

    /// <summary>
    /// MUX_C_NEW_STDIO_FWD (ssh -W through the master) to <paramref name="host"/>:<paramref name="port"/>,
    /// with <paramref name="stdin"/> and <paramref name="stdout"/> passed; returns once the master
    /// has ended the forward (closed the socket), or throws when it refused it.
    /// </summary>
    public void StdioForward(string host, uint port, int stdin, int stdout)
    {
        var request = new MuxStdioForward(_nextRequestId++, host, port);
        Send(request, static (in MuxStdioForward m, ref SshWriter w) => m.Write(ref w));
        DescriptorPassing.Send(_stream.Descriptor, stdin);
        DescriptorPassing.Send(_stream.Descriptor, stdout);
        var reply = ReadReply()
            ?? throw new SshConnectionException("the master closed the control socket before the forward opened");
        if (reply.Type != MuxProtocol.SessionOpened || reply.Id != request.RequestId) throw Unexpected(reply, "stdio forward");
        if (ReadReply() is { } more) throw Unexpected(more, "stdio forward");
    }

    /// <summary>
    /// MUX_C_PROXY (ssh -O proxy): once the master answers MUX_S_PROXY the socket carries
    /// connection-protocol messages, and is returned as a stream (this client is done with it: dispose
    /// it all the same). A refusal is a <see cref="MuxRefusedException"/>.
    /// </summary>
    public Stream RequestProxy()
    {
        var reply = Request(MuxProtocol.Proxy)
            ?? throw new SshConnectionException("the master closed the control socket without an answer");
        if (reply.Type != MuxProtocol.ProxyStarted) throw Unexpected(reply, "proxy request");
        return _stream.DetachToNetworkStream();
    }

    /// <summary>
    /// Waits until the master closes the socket, which it does once the session has ended and its
    /// output is written: the exit value from MUX_S_EXIT_MESSAGE, or null when none came.
    /// <paramref name="ttyAllocFailed"/> runs on MUX_S_TTY_ALLOC_FAIL. After <see cref="Abort"/>, null.
    /// </summary>
    public uint? WaitForExit(uint sessionId, Action ttyAllocFailed)
    {
        ArgumentNullException.ThrowIfNull(ttyAllocFailed);
        uint? exit = null;
        while (ReadReply() is { } reply)
        {
            if (reply.Id != sessionId) throw new SshProtocolException($"the master answered for session {reply.Id}, not {sessionId}");
            switch (reply.Type)
            {
                case MuxProtocol.TtyAllocFail:
                    ttyAllocFailed();
                    break;
                case MuxProtocol.ExitMessage when exit is null:
                    exit = reply.Value;
                    break;
                case MuxProtocol.ExitMessage:
                    throw new SshProtocolException("the master sent the exit value twice");
                default:
                    throw Unexpected(reply, "session");
            }
        }
        return exit;
    }

    /// <summary>Ends a wait on another thread (a signal's handler): the socket is shut down, and <see cref="WaitForExit"/> returns null.</summary>
    public void Abort() => _stream.Shutdown();

    /// <summary>Sends a request that carries only its id; its answer, or null when the master closed the socket instead.</summary>
    private MuxReply? Request(uint type)
    {
        var request = new MuxSimpleRequest(type, _nextRequestId++);
        Send(request, static (in MuxSimpleRequest m, ref SshWriter w) => m.Write(ref w));
        MuxReply? reply;
        try
        {
            reply = ReadReply();
        }
        catch (IOException) when (type == MuxProtocol.Terminate)
        {
            reply = null; // reset rather than closed: the master is gone all the same
        }
        if (reply is null) return null;
        if (reply.Id != request.RequestId) throw new SshProtocolException($"the master answered request {reply.Id}, not {request.RequestId}");
        return reply;
    }

    private static SshException Unexpected(MuxReply reply, string what) => reply.Type switch
    {
        MuxProtocol.PermissionDenied => new MuxRefusedException($"{what} refused by the master: {reply.Reason}"),
        MuxProtocol.Failure => new MuxRefusedException($"{what} failed in the master: {reply.Reason}"),
        _ => new SshProtocolException($"unexpected answer 0x{reply.Type:x8} from the master to a {what}"),
    };

    private void Send<T>(T message, MuxFraming.WriteMessage<T> write) => MuxFraming.Write(_stream, message, write);

    private MuxReply? ReadReply()
    {
        var body = MuxFraming.Read(_stream);
        if (body is null) return null;
        var reader = new SshReader(body);
        var reply = MuxReply.Read(ref reader);
        reader.EnsureEnd();
        return reply;
    }

    public void Dispose() => _stream.Dispose();
}

/// <summary>The master refused or failed a request (MUX_S_PERMISSION_DENIED, MUX_S_FAILURE).</summary>
public sealed class MuxRefusedException(string message) : SshException(message);
