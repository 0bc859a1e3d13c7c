using Hop.Ssh.Crypto;

namespace Hop.Cli.Commands;

/// <summary>`hop ssh -Q`: lists what Hop supports, one name per line, as ssh -Q does.</summary>
internal static class QueryCommand
{
    public static int Run(string what)
    {
        IEnumerable<string>? names = what.ToLowerInvariant() switch
        {
            "cipher" or "ciphers" => CipherAlgorithms.SupportedNames,
            "cipher-auth" => CipherAlgorithms.Supported.Where(c => c.IsAead).Select(c => c.Name),
            "mac" or "macs" => MacAlgorithms.SupportedNames,
            "kex" or "kexalgorithms" => KexAlgorithms.SupportedNames,
            "key" or "hostkeyalgorithms" or "pubkeyacceptedalgorithms" or "key-sig" => HostKeyAlgorithms.SupportedNames,
            "key-plain" or "sig" => HostKeyAlgorithms.SupportedNames.Except(HostKeyAlgorithms.Certificates.Select(a => a.Name)),
            "key-cert" => HostKeyAlgorithms.Certificates.Select(a => a.Name),
            "protocol-version" => ["2"],
            "help" => ["cipher", "cipher-auth", "kex", "key", "key-cert", "key-plain", "key-sig", "mac", "protocol-version", "sig"],
            _ => null,
        };
        if (names is null)
        {
            Console.Error.WriteLine($"hop ssh: Unsupported query \"{what}\"");
            return 255;
        }
        foreach (var n in names.Distinct()) Console.Out.WriteLine(n);
        return 0;
    }
}
