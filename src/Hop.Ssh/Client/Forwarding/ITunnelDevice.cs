namespace Hop.Ssh.Client.Forwarding;

/// <summary>
/// A local tun or tap device (a Linux /dev/net/tun descriptor) for <see cref="TunnelForwarding"/>:
/// each read gives one packet or frame, each write takes one.
/// </summary>
public interface ITunnelDevice : IDisposable
{
    /// <summary>The interface's name (tun5, tap0): ssh's %T.</summary>
    string Name { get; }

    /// <summary>
    /// Waits for the next packet and reads it into <paramref name="buffer"/>; its length, or 0
    /// once the device is disposed. Called by one thread of the forwarding's own.
    /// </summary>
    int Read(Span<byte> buffer);

    /// <summary>Hands one packet to the system; must not block (called on the connection's receive thread). IOException when refused.</summary>
    void Write(ReadOnlySpan<byte> packet);
}
