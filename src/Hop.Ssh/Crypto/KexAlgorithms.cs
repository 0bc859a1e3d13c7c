using System.Security.Cryptography;

namespace Hop.Ssh.Crypto;

/// <summary>One key exchange method: its name, hash and factory.</summary>
public sealed class KexAlgorithm
{
    private readonly Func<IKeyExchange>? _factory;

    internal KexAlgorithm(string name, HashAlgorithmName hash, Func<IKeyExchange>? factory, bool isPostQuantum = false)
    {
        Name = name;
        Hash = hash;
        _factory = factory;
        IsPostQuantum = isPostQuantum;
    }

    /// <summary>The name as negotiated.</summary>
    public string Name { get; }

    /// <summary>The hash of the exchange hash and key derivation.</summary>
    public HashAlgorithmName Hash { get; }

    /// <summary>
    /// Group exchange (RFC 4419): the transport runs GEX_REQUEST / GEX_GROUP first and creates the
    /// exchange with <see cref="DiffieHellmanGroupExchange.Create"/>; <see cref="Create"/> throws.
    /// </summary>
    public bool IsGroupExchange => _factory is null;

    /// <summary>A hybrid with a post-quantum KEM (K is a string, not an mpint).</summary>
    public bool IsPostQuantum { get; }

    /// <summary>Weak: only used when the user names it explicitly (none at present).</summary>
    public bool IsInsecure => false;

    /// <summary>Creates the client's side of a fresh exchange (new ephemeral keys).</summary>
    public IKeyExchange Create() => _factory is null
        ? throw new InvalidOperationException($"{Name} needs the server's group: use DiffieHellmanGroupExchange.Create")
        : _factory();

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>The key exchange table, and OpenSSH 10's default order.</summary>
public static class KexAlgorithms
{
    public static readonly KexAlgorithm MlKem768X25519Sha256 = new("mlkem768x25519-sha256", HashAlgorithmName.SHA256, () => new MlKem768X25519KeyExchange(), true);
    public static readonly KexAlgorithm Sntrup761X25519Sha512 = new("sntrup761x25519-sha512", HashAlgorithmName.SHA512, () => new Sntrup761X25519KeyExchange(), true);
    public static readonly KexAlgorithm Sntrup761X25519Sha512OpenSsh = new("sntrup761x25519-sha512@openssh.com", HashAlgorithmName.SHA512, () => new Sntrup761X25519KeyExchange(), true);
    public static readonly KexAlgorithm Curve25519Sha256 = new("curve25519-sha256", HashAlgorithmName.SHA256, () => new Curve25519KeyExchange());
    public static readonly KexAlgorithm Curve25519Sha256LibSsh = new("curve25519-sha256@libssh.org", HashAlgorithmName.SHA256, () => new Curve25519KeyExchange());
    public static readonly KexAlgorithm EcdhNistP256 = new("ecdh-sha2-nistp256", HashAlgorithmName.SHA256, () => new EcdhKeyExchange(ECCurve.NamedCurves.nistP256, HashAlgorithmName.SHA256));
    public static readonly KexAlgorithm EcdhNistP384 = new("ecdh-sha2-nistp384", HashAlgorithmName.SHA384, () => new EcdhKeyExchange(ECCurve.NamedCurves.nistP384, HashAlgorithmName.SHA384));
    public static readonly KexAlgorithm EcdhNistP521 = new("ecdh-sha2-nistp521", HashAlgorithmName.SHA512, () => new EcdhKeyExchange(ECCurve.NamedCurves.nistP521, HashAlgorithmName.SHA512));
    public static readonly KexAlgorithm DiffieHellmanGroupExchangeSha256 = new("diffie-hellman-group-exchange-sha256", HashAlgorithmName.SHA256, null);
    public static readonly KexAlgorithm DiffieHellmanGroup16Sha512 = new("diffie-hellman-group16-sha512", HashAlgorithmName.SHA512, DiffieHellmanGroups.CreateGroup16Sha512);
    public static readonly KexAlgorithm DiffieHellmanGroup18Sha512 = new("diffie-hellman-group18-sha512", HashAlgorithmName.SHA512, DiffieHellmanGroups.CreateGroup18Sha512);
    public static readonly KexAlgorithm DiffieHellmanGroup14Sha256 = new("diffie-hellman-group14-sha256", HashAlgorithmName.SHA256, DiffieHellmanGroups.CreateGroup14Sha256);

    /// <summary>Every supported method, in the default order, for ssh -Q kex.</summary>
    public static IReadOnlyList<KexAlgorithm> Supported { get; } =
    [
        MlKem768X25519Sha256, Sntrup761X25519Sha512, Sntrup761X25519Sha512OpenSsh, Curve25519Sha256, Curve25519Sha256LibSsh,
        EcdhNistP256, EcdhNistP384, EcdhNistP521, DiffieHellmanGroupExchangeSha256, DiffieHellmanGroup16Sha512,
        DiffieHellmanGroup18Sha512, DiffieHellmanGroup14Sha256,
    ];

    /// <summary>Names of every supported method.</summary>
    public static IReadOnlyList<string> SupportedNames { get; } = Supported.Select(a => a.Name).ToArray();

    /// <summary>The default preference list (OpenSSH 10's).</summary>
    public static IReadOnlyList<string> Default { get; } = SupportedNames;

    /// <summary>The method of that name, or null.</summary>
    public static KexAlgorithm? Find(string name) => Supported.FirstOrDefault(a => a.Name == name);

    /// <summary>The method of that name; throws <see cref="SshException"/> when unknown.</summary>
    public static KexAlgorithm Get(string name) => Find(name) ?? throw new SshException($"unsupported key exchange \"{name}\"");

}
