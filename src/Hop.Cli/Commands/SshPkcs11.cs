using Hop.Ssh.Auth;
using Hop.Ssh.Config;
using Hop.Ssh.Keys.Pkcs11;

namespace Hop.Cli.Commands;

/// <summary>
/// PKCS11Provider (-I) for `hop ssh`: the provider's token keys, offered before the identity files as
/// ssh offers them. A provider is loaded once per process (a jump host and the destination share it,
/// and its login) and stays loaded until the process ends. A provider that cannot be loaded is
/// reported with ssh's lines and contributes no keys.
/// </summary>
internal static class SshPkcs11
{
    private static readonly Dictionary<string, Pkcs11Provider?> Loaded = new(StringComparer.Ordinal);

    public static IReadOnlyList<IUserIdentity> Identities(ResolvedConfig c, IAuthPrompter? prompter, DiagnosticLog log)
    {
        if (c.Pkcs11Provider is not { } path || !c.PubkeyAuthentication) return [];
        Pkcs11Provider? provider;
        lock (Loaded)
        {
            if (!Loaded.TryGetValue(path, out provider))
            {
                try
                {
                    // ssh asks for a PIN unless BatchMode is set.
                    provider = Pkcs11Provider.Open(path, interactive: !c.BatchMode, log.Sink);
                }
                catch (Pkcs11Exception e)
                {
                    log.Write(0, e.Message);
                    provider = null;
                }
                Loaded[path] = provider;
            }
        }
        if (provider is null) return [];
        return [.. provider.Keys.Select(k => new Pkcs11Identity(k, prompter, log.Sink))];
    }
}
