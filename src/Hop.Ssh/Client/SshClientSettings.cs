using System.Net.Sockets;
using Hop.Ssh.Auth;
using Hop.Ssh.Connection;
using Hop.Ssh.Crypto;
using Hop.Ssh.Transport;

namespace Hop.Ssh.Client;

/// <summary>Everything a connection needs, already resolved from the command line and ssh_config.</summary>
public sealed class SshClientSettings
{
    /// <summary>The host as the user named it (for prompts, known_hosts and messages).</summary>
    public required string Host { get; init; }

    /// <summary>HostKeyAlias: the name the password and keyboard-interactive prompts show instead of <see cref="Host"/>, as ssh's do.</summary>
    public string? HostKeyAlias { get; init; }

    /// <summary>The address or name to connect to (HostName); defaults to <see cref="Host"/>.</summary>
    public string? HostName { get; init; }

    public int Port { get; init; } = 22;
    public required string User { get; init; }

    /// <summary>ConnectTimeout: bounds the TCP connect and the handshake (zero: 30 s for the handshake, OS default for TCP).</summary>
    public TimeSpan ConnectTimeout { get; init; }

    public AddressFamily AddressFamily { get; init; } = AddressFamily.Unspecified;
    /// <summary>ConnectionAttempts: how many times each address list is tried, a second apart, before giving up.</summary>
    public int ConnectionAttempts { get; init; } = 1;
    /// <summary>TCPKeepAlive: SO_KEEPALIVE on the connection, so that a dead peer or route is noticed (as ssh, on by default).</summary>
    public bool TcpKeepAlive { get; init; } = true;
    /// <summary>BindAddress (-b): the connection's local address, a name or an address of the destination's family.</summary>
    public string? BindAddress { get; init; }
    /// <summary>BindInterface: the connection's local address is one of this interface's (see <see cref="LocalInterfaceAddress"/>); BindAddress, when set, wins, as in ssh.</summary>
    public string? BindInterface { get; init; }
    /// <summary>IPQoS for an interactive session (tty or X11), as the IP_TOS/IPV6_TCLASS byte; <see cref="Config.IpQos.None"/> leaves the socket alone.</summary>
    public int IpQosInteractive { get; init; } = Config.IpQos.None;
    /// <summary>IPQoS for a non-interactive one.</summary>
    public int IpQosBulk { get; init; } = Config.IpQos.None;

    public IReadOnlyList<string> KexAlgorithms { get; init; } = Crypto.KexAlgorithms.Default;
    public IReadOnlyList<string> HostKeyAlgorithms { get; init; } = Crypto.HostKeyAlgorithms.Default;
    public IReadOnlyList<string> Ciphers { get; init; } = CipherAlgorithms.Default;
    public IReadOnlyList<string> Macs { get; init; } = MacAlgorithms.Default;
    public long RekeyBytes { get; init; }
    public TimeSpan RekeyInterval { get; init; }

    public IReadOnlyList<IUserIdentity> Identities { get; init; } = [];
    public IReadOnlyList<string> PreferredAuthentications { get; init; } = ["publickey", "keyboard-interactive", "password"];
    public bool PubkeyAuthentication { get; init; } = true;
    public bool PasswordAuthentication { get; init; } = true;
    public bool KbdInteractiveAuthentication { get; init; } = true;
    public string KbdInteractiveDevices { get; init; } = "";
    public IReadOnlyList<string>? PubkeyAcceptedAlgorithms { get; init; }
    public int NumberOfPasswordPrompts { get; init; } = 3;
    public IAuthPrompter? Prompter { get; init; }

    /// <summary>See <see cref="UserAuthOptions.Banner"/>.</summary>
    public Action<string>? Banner { get; init; }

    /// <summary>See <see cref="UserAuthOptions.InteractiveMethodsAllowed"/>.</summary>
    public Func<bool>? InteractiveMethodsAllowed { get; init; }

    /// <summary>Decides whether the server's host key is trusted.</summary>
    public required Func<HostKeyCheck, CancellationToken, ValueTask<bool>> VerifyHostKey { get; init; }

    public TimeSpan ServerAliveInterval { get; init; }
    public int ServerAliveCountMax { get; init; } = 3;

    /// <summary>Called with the address the TCP connection reached, before the handshake (CheckHostIP, prompts).</summary>
    public Action<System.Net.IPAddress>? OnAddressConnected { get; init; }

    /// <summary>When set, the connection runs over this stream (ProxyCommand, ProxyJump) instead of TCP.</summary>
    public Func<CancellationToken, Task<Stream>>? OpenStream { get; init; }

    /// <summary>Runs after the key exchange, before authentication (for session-bind@openssh.com).</summary>
    public Func<SshTransport, CancellationToken, Task>? OnKeyExchanged { get; init; }

    /// <summary>
    /// Runs after authentication, before the connection's receive loop starts: the place to register handlers for
    /// what the server sends at once, such as hostkeys-00@openssh.com (<see cref="HostKeyUpdates"/>).
    /// </summary>
    public Action<SshTransport, SshConnection>? OnConnectionStarting { get; init; }

    /// <summary>FingerprintHash: the digest of every key fingerprint the connection logs (SHA256, as ssh).</summary>
    public System.Security.Cryptography.HashAlgorithmName FingerprintHash { get; init; } = System.Security.Cryptography.HashAlgorithmName.SHA256;

    /// <summary>Debug lines by level (1 = -v, 2 = -vv, 3 = -vvv); never secrets.</summary>
    public Action<int, string>? Log { get; init; }
}
