using System.Security.Cryptography;
using Hop.Ssh.Wire;
using Sodium = Geralt.Ed25519;

namespace Hop.Ssh.Keys;

/// <summary>An ssh-ed25519 public key (RFC 8709).</summary>
public sealed class Ed25519PublicKey : SshPublicKey
{
    public const string TypeName = "ssh-ed25519";
    public const int KeyLength = 32;
    private static readonly string[] Algorithms = [TypeName];
    private readonly byte[] _key;

    public Ed25519PublicKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeyLength) throw new SshKeyFormatException("ed25519 public key must be 32 bytes");
        _key = key.ToArray();
    }

    public ReadOnlySpan<byte> Key => _key;
    public override string KeyType => TypeName;
    public override IReadOnlyList<string> SignatureAlgorithms => Algorithms;
    public override int KeySizeBits => 256;

    internal static Ed25519PublicKey ReadBody(ref SshReader r) => new(r.ReadString(KeyLength));

    public override void WriteBlob(ref SshWriter writer)
    {
        writer.WriteString(TypeName);
        writer.WriteString(_key);
    }

    protected override bool VerifyRaw(string algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        signature.Length == Sodium.SignatureSize && Sodium.Verify(signature, data, _key);
}

/// <summary>
/// An Ed25519 private key: the 32-byte seed and its public key. Signing, verifying and deriving the public
/// key are libsodium's (through Geralt): its tables are built in, where BouncyCastle's are computed in
/// every process, and it is several times faster per signature.
/// </summary>
public sealed class Ed25519PrivateKey : SshPrivateKey
{
    private const int SeedLength = Sodium.SeedSize;

    /// <summary>libsodium's secret key: seed || public key.</summary>
    private readonly byte[] _secret = new byte[Sodium.PrivateKeySize];
    private readonly Ed25519PublicKey _public;

    public Ed25519PrivateKey(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> publicKey = default)
    {
        if (seed.Length != SeedLength) throw new SshKeyFormatException("ed25519 private key must be 32 bytes");
        Span<byte> pk = stackalloc byte[Sodium.PublicKeySize];
        Sodium.GenerateKeyPair(pk, _secret, seed);
        if (!publicKey.IsEmpty && !CryptographicOperations.FixedTimeEquals(pk, publicKey))
        {
            CryptographicOperations.ZeroMemory(_secret);
            throw new SshKeyFormatException("ed25519 private key does not match its public key");
        }
        _public = new Ed25519PublicKey(pk);
    }

    public static Ed25519PrivateKey Generate()
    {
        Span<byte> seed = stackalloc byte[SeedLength];
        Crypto.KeyRandom.Fill(seed);
        try { return new Ed25519PrivateKey(seed); }
        finally { CryptographicOperations.ZeroMemory(seed); }
    }

    /// <summary>The 32-byte seed. Callers must not keep copies.</summary>
    public ReadOnlySpan<byte> Seed => _secret.AsSpan(0, SeedLength);
    public override SshPublicKey PublicKey => _public;

    protected override byte[] SignRaw(string algorithm, ReadOnlySpan<byte> data)
    {
        var sig = new byte[Sodium.SignatureSize];
        Sodium.Sign(sig, data, _secret);
        return sig;
    }

    protected override void ZeroSecrets() => CryptographicOperations.ZeroMemory(_secret);
}
