namespace Hop.Ssh.Connection;

/// <summary>The tunables of the connection layer; the defaults follow OpenSSH's client.</summary>
public sealed class SshConnectionOptions
{
    /// <summary>The receive window we grant on each channel (OpenSSH: 2 MiB for sessions).</summary>
    public uint InitialWindowSize { get; init; } = 2 * 1024 * 1024;

    /// <summary>The largest DATA payload we accept on a channel (OpenSSH: 32 KiB).</summary>
    public uint MaximumPacketSize { get; init; } = 32 * 1024;

    /// <summary>
    /// The largest DATA payload we send, whatever the peer allows: the transport's packets are at
    /// most 256 KiB in all, so this stays well below.
    /// </summary>
    public int MaximumSendPacketSize { get; init; } = 128 * 1024;

    /// <summary>How long to wait for the answer to CHANNEL_OPEN.</summary>
    public TimeSpan ChannelOpenTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>ServerAliveInterval: when nothing was heard for this long, send keepalive@openssh.com. Zero disables.</summary>
    public TimeSpan ServerAliveInterval { get; init; } = TimeSpan.Zero;

    /// <summary>ServerAliveCountMax: unanswered keepalives tolerated before the connection is dropped.</summary>
    public int ServerAliveCountMax { get; init; } = 3;

    /// <summary>The host name used in messages ("Timeout, server HOST not responding.").</summary>
    public string HostName { get; init; } = "";
}
