using System.Net.Sockets;
using Hop.Ssh.Connection;

namespace Hop.Ssh.Client;

/// <summary>
/// A forwarded connection's local socket as a channel's sink: the receive loop sends to it without
/// waiting (the socket is made non-blocking), and what a full socket leaves the channel writes with
/// <see cref="WriteAsync"/>, its window closed meanwhile, so one slow local reader never stalls the
/// connection. A failed send (the local peer is gone) makes <see cref="Broken"/> complete.
/// </summary>
public sealed class SocketSink : IChannelDataSink
{
    private readonly Socket _socket;
    private readonly TaskCompletionSource _broken = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Makes <paramref name="socket"/> non-blocking for synchronous sends; asynchronous reads and writes work as before.</summary>
    public SocketSink(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        _socket = socket;
        _socket.Blocking = false;
    }

    /// <summary>The socket written to; the relay reads it and closes it.</summary>
    internal Socket Socket => _socket;

    /// <summary>Completes when a send failed: the channel's data has nowhere to go, and the relay closes it.</summary>
    public Task Broken => _broken.Task;

    /// <inheritdoc/>
    public int Write(ReadOnlySpan<byte> data)
    {
        int sent = 0;
        while (sent < data.Length)
        {
            int n;
            try
            {
                n = _socket.Send(data[sent..], SocketFlags.None, out var error);
                if (error == SocketError.WouldBlock) return sent;
                if (error == SocketError.Interrupted) continue;
                if (error != SocketError.Success) throw Fail(new SocketException((int)error));
            }
            catch (ObjectDisposedException e)
            {
                throw Fail(e);
            }
            sent += n;
        }
        return sent;
    }

    /// <inheritdoc/>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data)
    {
        try
        {
            while (!data.IsEmpty)
            {
                int n = await _socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false);
                data = data[n..];
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            throw Fail(e);
        }
    }

    private IOException Fail(Exception e)
    {
        _broken.TrySetResult();
        return new IOException($"forwarded connection: {e.Message}", e);
    }
}
