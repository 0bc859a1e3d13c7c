using Hop.Ssh.Auth;
using Hop.Ssh.Client;
using Hop.Ssh.Config;

namespace Hop.Cli.Commands;

/// <summary>One place that turns a resolved ssh_config into client settings, for the destination and every jump host.</summary>
internal static class SshClientSettingsFor
{
    public static SshClientSettings Build(ResolvedConfig c, IReadOnlyList<IUserIdentity> identities, IAuthPrompter? prompter,
        HostKeyVerifier verifier, SshAgentUse agent, Func<CancellationToken, Task<Stream>>? openStream, DiagnosticLog log,
        HostKeyUpdater? updater = null) => new()
    {
        Host = c.OriginalHost,
        HostKeyAlias = c.HostKeyAlias,
        HostName = c.HostName,
        Port = c.Port,
        User = c.User,
        ConnectTimeout = c.ConnectTimeout ?? TimeSpan.Zero,
        ConnectionAttempts = c.ConnectionAttempts,
        TcpKeepAlive = c.TcpKeepAlive,
        BindAddress = c.BindAddress,
        BindInterface = c.BindInterface,
        IpQosInteractive = c.IpQosInteractive,
        IpQosBulk = c.IpQosBulk,
        AddressFamily = c.AddressFamily switch
        {
            Hop.Ssh.Config.AddressFamily.Inet => System.Net.Sockets.AddressFamily.InterNetwork,
            Hop.Ssh.Config.AddressFamily.Inet6 => System.Net.Sockets.AddressFamily.InterNetworkV6,
            _ => System.Net.Sockets.AddressFamily.Unspecified,
        },
        KexAlgorithms = c.KexAlgorithms,
        HostKeyAlgorithms = verifier.OrderHostKeyAlgorithms(c.HostKeyAlgorithms),
        Ciphers = c.Ciphers,
        Macs = c.Macs,
        RekeyBytes = c.RekeyLimitBytes,
        RekeyInterval = c.RekeyLimitTime,
        Identities = identities,
        PreferredAuthentications = c.PreferredAuthentications,
        PubkeyAuthentication = c.PubkeyAuthentication,
        PasswordAuthentication = c.PasswordAuthentication,
        KbdInteractiveAuthentication = c.KbdInteractiveAuthentication,
        KbdInteractiveDevices = c.KbdInteractiveDevices ?? "",
        PubkeyAcceptedAlgorithms = c.PubkeyAcceptedAlgorithms,
        NumberOfPasswordPrompts = c.NumberOfPasswordPrompts,
        Prompter = prompter,
        Banner = log.ShowBanner,
        InteractiveMethodsAllowed = () => !verifier.DisabledByChangedKey,
        VerifyHostKey = verifier.VerifyAsync,
        ServerAliveInterval = c.ServerAliveInterval,
        ServerAliveCountMax = c.ServerAliveCountMax,
        OnKeyExchanged = agent.BindAsync,
        OpenStream = openStream,
        OnAddressConnected = address => verifier.RemoteAddress = address,
        OnConnectionStarting = updater is null ? null : updater.Attach,
        FingerprintHash = c.FingerprintHash,
        Log = log.Sink,
    };
}
