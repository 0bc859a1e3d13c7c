using System.Globalization;
using Hop.Ssh.Connection;
using Hop.Ssh.Connection.Messages;

namespace Hop.Ssh.Client.Forwarding;

/// <summary>
/// -w / Tunnel: joins a local tun or tap device to a "tun@openssh.com" channel, one packet per
/// DATA message each way (<see cref="TunnelFraming"/> in point-to-point mode). Packets from the
/// device are read by a thread of the forwarding's own and sent whole (waiting for the window
/// rather than splitting); packets from the server are written to the device on the receive
/// thread. The device is closed when the channel closes, and the channel when the device fails.
/// </summary>
public sealed class TunnelForwarding : IAsyncDisposable
{
    /// <summary>Room for the largest packet a tun device gives (its MTU is at most 65535) and the header.</summary>
    private const int BufferLength = TunnelFraming.HeaderLength + 65536;

    private readonly ITunnelDevice _device;
    private readonly TunnelMode _mode;
    private readonly Action<int, string>? _log;
    private readonly CancellationTokenSource _stop = new();
    private TunChannel? _channel;

    private TunnelForwarding(ITunnelDevice device, TunnelMode mode, Action<int, string>? log)
    {
        _device = device;
        _mode = mode;
        _log = log;
    }

    /// <summary>The channel (open).</summary>
    public TunChannel Channel => _channel!;

    /// <summary>The local device.</summary>
    public ITunnelDevice Device => _device;

    /// <summary>
    /// Opens the channel for <paramref name="device"/>, asking the server for
    /// <paramref name="remoteUnit"/> (<see cref="TunChannelOpenDetails.AnyUnit"/> for any), and
    /// starts relaying. Throws <see cref="SshChannelException"/> when the server refuses; the
    /// device then stays the caller's to dispose; once open it belongs to the forwarding.
    /// </summary>
    public static async Task<TunnelForwarding> OpenAsync(SshConnection connection, ITunnelDevice device, TunnelMode mode, uint remoteUnit,
        Action<int, string>? log = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(device);
        var forwarding = new TunnelForwarding(device, mode, log);
        var details = new TunChannelOpenDetails { Mode = mode, RemoteUnit = remoteUnit };
        forwarding._channel = await connection.OpenTunAsync(details, forwarding.ToDevice, cancellationToken).ConfigureAwait(false);
        log?.Invoke(1, string.Create(CultureInfo.InvariantCulture, $"tunnel forward established, id={forwarding._channel.LocalChannelId}"));
        _ = forwarding._channel.Closed.ContinueWith(_ => forwarding.StopDevice(), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var reader = new Thread(forwarding.FromDevice) { IsBackground = true, Name = "hop tunnel " + device.Name };
        reader.Start();
        return forwarding;
    }

    /// <summary>A packet from the server, to the device.</summary>
    private void ToDevice(ReadOnlySpan<byte> message)
    {
        ReadOnlySpan<byte> packet = message;
        if (_mode == TunnelMode.PointToPoint && !TunnelFraming.TryRemoveHeader(message, out packet))
        {
            _log?.Invoke(2, "tunnel: message shorter than its address family header dropped");
            return;
        }
        try
        {
            _device.Write(packet);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // A device that is down refuses packets (EIO); they are lost, as on a wire.
            _log?.Invoke(3, $"tunnel: {_device.Name}: {e.Message}");
        }
    }

    /// <summary>The device's packets, to the server, until either ends.</summary>
    private void FromDevice()
    {
        var buffer = new byte[BufferLength];
        int offset = _mode == TunnelMode.PointToPoint ? TunnelFraming.HeaderLength : 0;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                int n = _device.Read(buffer.AsSpan(offset));
                if (n <= 0) break;
                var message = buffer.AsMemory(0, offset + n);
                if (_mode == TunnelMode.PointToPoint && !TunnelFraming.AddHeader(message.Span))
                {
                    _log?.Invoke(2, string.Create(CultureInfo.InvariantCulture, $"tunnel: packet of {n} bytes dropped"));
                    continue;
                }
                if (!_channel!.WritePacket(message, _stop.Token))
                    _log?.Invoke(1, string.Create(CultureInfo.InvariantCulture, $"channel {_channel.LocalChannelId}: datagram too big"));
            }
        }
        catch (Exception e) when (e is IOException or SshException or ObjectDisposedException or OperationCanceledException)
        {
            _log?.Invoke(2, $"tunnel: {_device.Name}: {e.Message}");
        }
        _ = CloseChannelAsync();
    }

    private async Task CloseChannelAsync()
    {
        try
        {
            await _channel!.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or ObjectDisposedException or OperationCanceledException)
        {
            // Already closed, or the connection is gone.
        }
    }

    private void StopDevice()
    {
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        _device.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null) await CloseChannelAsync().ConfigureAwait(false);
        StopDevice();
    }
}
