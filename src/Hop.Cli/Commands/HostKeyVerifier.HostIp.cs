using System.Net;
using Hop.Ssh.Config;
using Hop.Ssh.Keys;

namespace Hop.Cli.Commands;

/// <summary>CheckHostIP and the address shown in prompts, as OpenSSH's check_host_key handles them.</summary>
internal sealed partial class HostKeyVerifier
{
    /// <summary>The address the TCP connection reached (null through ProxyCommand/ProxyJump).</summary>
    public IPAddress? RemoteAddress { get; set; }

    private bool ViaProxy => _config.ProxyJump is not null || _config.ExpandedProxyCommand is not null;

    /// <summary>
    /// A direct connection that reached a loopback address (127.0.0.0/8 or ::1): what ssh's NoHostAuthenticationForLocalhost
    /// looks at, whatever the host was called. Through a proxy there is no address, as in ssh.
    /// </summary>
    private bool IsLoopbackConnection =>
        !ViaProxy && RemoteAddress is { } address && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    /// <summary>The address as ssh shows it: "ip" for port 22, "[ip]:port" otherwise.</summary>
    private string AddressShown =>
        ViaProxy || RemoteAddress is null ? "<no hostip for proxy command>" : HashedHostName.LookupName(RemoteAddress.ToString(), _config.Port);

    /// <summary>
    /// CheckHostIP applies only to a direct connection to an address that is not the loopback and not the name itself,
    /// as in OpenSSH (which turns it off for local connections, proxies, and a host given by its address).
    /// </summary>
    private bool CheckHostIPActive =>
        _config.CheckHostIP && !ViaProxy && RemoteAddress is not null && !IPAddress.IsLoopback(RemoteAddress) &&
        HashedHostName.LookupName(_config.HostName, _config.Port) != AddressShown;

    /// <summary>The address known_hosts lines also name under CheckHostIP, or null when it does not apply.</summary>
    public string? CheckedAddress => CheckHostIPActive ? RemoteAddress!.ToString() : null;

    /// <summary>
    /// For a known host with CheckHostIP: an address not yet on file is added; an address listed with another key is
    /// warned about and, with StrictHostKeyChecking=yes, refused (ask: confirmed). <paramref name="readOnly"/> (the host's key
    /// came from KnownHostsCommand): a missing address is reported, not added, as in ssh.
    /// </summary>
    private async ValueTask<bool> CheckAddressAsync(SshPublicKey key, string shown, bool readOnly, CancellationToken ct)
    {
        if (!CheckHostIPActive) return true;
        string ip = RemoteAddress!.ToString();
        var result = KnownHosts.Check(ip, _config.Port, key, AllFiles);
        string type = KeyFingerprint.TypeLabel(key.KeyType);
        switch (result.Status)
        {
            case KnownHostStatus.NotFound:
                var file = _config.UserKnownHostsFiles.FirstOrDefault();
                if (file is null || readOnly)
                {
                    _log.Write(0, $"{type} host key for IP address '{AddressShown}' not in list of known hosts.");
                    return true;
                }
                try
                {
                    KnownHosts.Add(file, ip, _config.Port, key, _config.HashKnownHosts);
                    _log.Write(0, $"Warning: Permanently added the {type} host key for IP address '{AddressShown}' to the list of known hosts.");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or Hop.Ssh.SshException)
                {
                    _log.Write(0, $"Failed to add the {type} host key for IP address '{AddressShown}' to the list of known hosts ({file}).");
                }
                return true;
            case KnownHostStatus.Changed:
                string warning = $"Warning: the {type} host key for '{shown}' differs from the key for the IP address '{AddressShown}'\n" +
                    $"Offending key for IP in {result.Entry!.File}:{result.Entry.Line}";
                switch (_config.StrictHostKeyChecking)
                {
                    case StrictHostKeyChecking.Yes:
                        _log.Write(0, warning);
                        _log.Write(0, "Exiting, you have requested strict checking.");
                        return false;
                    case StrictHostKeyChecking.Ask:
                        if (_prompter is null) return false;
                        while (true)
                        {
                            var answer = Terminal.Prompter.ReadSecret(warning + "\nAre you sure you want to continue connecting (yes/no)? ", echo: true, askpassPromptHint: "confirm");
                            if (answer is null) return false;
                            answer = answer.Trim();
                            if (answer.Equals("yes", StringComparison.OrdinalIgnoreCase)) return true;
                            if (answer.Equals("no", StringComparison.OrdinalIgnoreCase)) return false;
                            await Task.Yield();
                            ct.ThrowIfCancellationRequested();
                        }
                    default:
                        _log.Write(0, warning);
                        return true;
                }
            default:
                return true;
        }
    }
}
