using System.Net.Sockets;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Mux;

/// <summary>One client of a ControlMaster: the master's side of PROTOCOL.mux on an accepted socket.</summary>
public sealed class MuxServerConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _writeTurn = new(1, 1);

    internal MuxServerConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
    }

    /// <summary>
    /// Sends the master's hello (with <see cref="MuxProtocol.ProxyGlobalRequestsExtension"/>) and reads the
    /// client's; throws <see cref="SshProtocolException"/> for another version.
    /// </summary>
    public async Task HelloAsync(CancellationToken cancellationToken)
    {
        var hello = new MuxHello(MuxProtocol.Version, [MuxProtocol.ProxyGlobalRequestsExtension]);
        await MuxFraming.WriteAsync(_stream, hello, static (in MuxHello m, ref SshWriter w) => m.Write(ref w), cancellationToken).ConfigureAwait(false);
        var body = await MuxFraming.ReadAsync(_stream, cancellationToken).ConfigureAwait(false)
            ?? throw new SshProtocolException("the mux client closed before its hello");
        var r = new SshReader(body);
        var theirs = MuxHello.Read(ref r);
        if (theirs.Version != MuxProtocol.Version) throw new SshProtocolException($"mux client speaks protocol version {theirs.Version}, not {MuxProtocol.Version}");
    }

    /// <summary>
    /// The client's next request, or null when it closed: a <see cref="MuxNewSession"/>, a
    /// <see cref="MuxForward"/>, a <see cref="MuxStdioForward"/>, or a <see cref="MuxSimpleRequest"/> for any other type (its body beyond
    /// the request id is not read).
    /// </summary>
    public async Task<object?> ReadRequestAsync(CancellationToken cancellationToken)
    {
        var body = await MuxFraming.ReadAsync(_stream, cancellationToken).ConfigureAwait(false);
        if (body is null) return null;
        var r = new SshReader(body);
        var peek = r;
        return peek.ReadUInt32() switch
        {
            MuxProtocol.NewSession => MuxNewSession.Read(ref r),
            MuxProtocol.OpenForward or MuxProtocol.CloseForward => MuxForward.Read(ref r),
            MuxProtocol.NewStdioForward => MuxStdioForward.Read(ref r),
            _ => MuxSimpleRequest.Read(ref r),
        };
    }

    /// <summary>Receives the next passed descriptor (stdin, stdout, stderr after a new-session request; stdin, stdout after a stdio forward); blocks the calling thread.</summary>
    public int ReceiveDescriptor() => DescriptorPassing.Receive(_socket);

    public async Task ReplyAsync(MuxReply reply, CancellationToken cancellationToken)
    {
        await _writeTurn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await MuxFraming.WriteAsync(_stream, reply, static (in MuxReply m, ref SshWriter w) => m.Write(ref w), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeTurn.Release();
        }
    }

    /// <summary>
    /// Answers MUX_C_PROXY with MUX_S_PROXY: from here the socket carries the client's connection
    /// protocol, read and written through the returned connection (which owns the stream).
    /// </summary>
    public async Task<MuxProxyConnection> AcceptProxyAsync(uint requestId, CancellationToken cancellationToken)
    {
        await ReplyAsync(new MuxReply(MuxProtocol.ProxyStarted, requestId, 0, null), cancellationToken).ConfigureAwait(false);
        return new MuxProxyConnection(_stream);
    }

    public void Dispose()
    {
        _stream.Dispose();
        _socket.Dispose();
        _writeTurn.Dispose();
    }
}
