using Hop.Ssh.Config;
using Hop.Ssh.Crypto;

namespace Hop.Cli.Commands;

/// <summary>Hop's own algorithm tables, in the shape the config resolver takes.</summary>
internal static class HopAlgorithms
{
    public static AlgorithmDefaults Defaults { get; } = new(
        new AlgorithmCategory(CipherAlgorithms.Default, CipherAlgorithms.SupportedNames),
        new AlgorithmCategory(MacAlgorithms.Default, MacAlgorithms.SupportedNames),
        new AlgorithmCategory(KexAlgorithms.Default, KexAlgorithms.SupportedNames),
        new AlgorithmCategory(HostKeyAlgorithms.Default, HostKeyAlgorithms.SupportedNames, PatternsAllowed: true),
        new AlgorithmCategory(HostKeyAlgorithms.DefaultWithCertificates, HostKeyAlgorithms.SupportedNames, PatternsAllowed: true),
        AlgorithmDefaults.CaSignatureCategory);
}
