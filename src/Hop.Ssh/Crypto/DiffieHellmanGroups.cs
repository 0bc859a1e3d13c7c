using System.Numerics;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Parameters;

namespace Hop.Ssh.Crypto;

/// <summary>
/// The fixed MODP groups of diffie-hellman-group14-sha256, group16-sha512 and group18-sha512
/// (RFC 8268, groups from RFC 3526 §3, §5, §7; generator 2), taken from BouncyCastle's table.
/// </summary>
public static class DiffieHellmanGroups
{
    /// <summary>RFC 3526 group 14, 2048-bit MODP.</summary>
    public static BigInteger Group14Prime { get; } = Prime(DHStandardGroups.rfc3526_2048);

    /// <summary>RFC 3526 group 16, 4096-bit MODP.</summary>
    public static BigInteger Group16Prime { get; } = Prime(DHStandardGroups.rfc3526_4096);

    /// <summary>RFC 3526 group 18, 8192-bit MODP.</summary>
    public static BigInteger Group18Prime { get; } = Prime(DHStandardGroups.rfc3526_8192);

    /// <summary>The generator of all three groups.</summary>
    public static BigInteger Generator => new(2);

    /// <summary>diffie-hellman-group14-sha256.</summary>
    public static DiffieHellmanKeyExchange CreateGroup14Sha256() => new(Group14Prime, Generator, HashAlgorithmName.SHA256);

    /// <summary>diffie-hellman-group16-sha512.</summary>
    public static DiffieHellmanKeyExchange CreateGroup16Sha512() => new(Group16Prime, Generator, HashAlgorithmName.SHA512);

    /// <summary>diffie-hellman-group18-sha512.</summary>
    public static DiffieHellmanKeyExchange CreateGroup18Sha512() => new(Group18Prime, Generator, HashAlgorithmName.SHA512);

    private static BigInteger Prime(DHParameters group) =>
        new(group.P.ToByteArrayUnsigned(), isUnsigned: true, isBigEndian: true);
}
