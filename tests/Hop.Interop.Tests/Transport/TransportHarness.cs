using System.Net.Sockets;
using Hop.Interop.Tests.Fixtures;
using Hop.Ssh.Auth;
using Hop.Ssh.Crypto;
using Hop.Ssh.Keys;
using Hop.Ssh.Keys.Formats;
using Hop.Ssh.Transport;

namespace Hop.Interop.Tests.Transport;

/// <summary>Connects the library's transport and authentication to a fixture server.</summary>
internal static class TransportHarness
{
    public static async Task<SshTransport> ConnectAsync(int port, string knownHostsPath,
        IReadOnlyList<string>? kex = null, IReadOnlyList<string>? ciphers = null, IReadOnlyList<string>? macs = null,
        IReadOnlyList<string>? hostKeys = null, long rekeyBytes = 0, List<string>? log = null)
    {
        var known = File.ReadAllLines(knownHostsPath).Select(l => l.Split(' ')).Select(p => Convert.FromBase64String(p[2])).ToList();
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync("127.0.0.1", port);
        var options = new SshTransportOptions
        {
            KexAlgorithms = kex ?? KexAlgorithms.Default,
            Ciphers = ciphers ?? CipherAlgorithms.Default,
            Macs = macs ?? MacAlgorithms.Default,
            HostKeyAlgorithms = hostKeys ?? HostKeyAlgorithms.Default,
            RekeyBytes = rekeyBytes,
            VerifyHostKey = (check, _) => ValueTask.FromResult(known.Any(k => k.AsSpan().SequenceEqual(check.KeyBlob))),
            Log = log is null ? null : (_, m) => { lock (log) log.Add(m); },
        };
        return await SshTransport.ConnectAsync(tcp.GetStream(), options);
    }

    public static async Task<string> AuthenticateAsync(SshTransport t, string user, string keyType = "ed25519", IReadOnlyList<string>? pubkeyAlgorithms = null)
    {
        var key = PrivateKeyFile.Load(await TestKeys.UserKeyAsync(keyType)).Decrypt();
        var options = new UserAuthOptions
        {
            User = user,
            Host = "127.0.0.1",
            Identities = [new PrivateKeyIdentity(key, "test key")],
            PubkeyAcceptedAlgorithms = pubkeyAlgorithms ?? new UserAuthOptions { User = "", Host = "" }.PubkeyAcceptedAlgorithms,
        };
        string method = await UserAuthentication.AuthenticateAsync(t, options, () => t.ServerSignatureAlgorithms);
        t.OnUserAuthenticated();
        return method;
    }
}
