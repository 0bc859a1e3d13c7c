using Hop.Interop.Tests.Fixtures;
using Hop.Ssh.Auth;
using Hop.Ssh.Client;
using Hop.Ssh.Keys.Formats;

namespace Hop.Interop.Tests.Client;

internal static class ClientHarness
{
    public static async Task<SshClient> ConnectAsync(int port, string user, string knownHostsPath,
        IReadOnlyList<string>? ciphers = null, IReadOnlyList<string>? macs = null, IReadOnlyList<string>? kex = null, long rekeyBytes = 0)
    {
        var known = File.ReadAllLines(knownHostsPath).Select(l => l.Split(' ')).Select(p => Convert.FromBase64String(p[2])).ToList();
        var key = PrivateKeyFile.Load(await TestKeys.UserKeyAsync()).Decrypt();
        var defaults = new SshClientSettings { Host = "127.0.0.1", User = user, VerifyHostKey = (_, _) => ValueTask.FromResult(false) };
        return await SshClient.ConnectAsync(new SshClientSettings
        {
            Host = "127.0.0.1",
            Port = port,
            User = user,
            Identities = [new PrivateKeyIdentity(key, "test key")],
            Ciphers = ciphers ?? defaults.Ciphers,
            Macs = macs ?? defaults.Macs,
            KexAlgorithms = kex ?? ["curve25519-sha256"],
            RekeyBytes = rekeyBytes,
            ConnectTimeout = TimeSpan.FromSeconds(20),
            VerifyHostKey = (check, _) => ValueTask.FromResult(known.Any(k => k.AsSpan().SequenceEqual(check.KeyBlob))),
        });
    }
}
