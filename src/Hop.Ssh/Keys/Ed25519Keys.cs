using System.Security.Cryptography;
using Hop.Ssh.Wire;
using Rfc8032 = Org.BouncyCastle.Math.EC.Rfc8032.Ed25519;

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

    protected override bool VerifyRaw(string algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != Rfc8032.SignatureSize) return false;
        return Rfc8032.Verify(signature.ToArray(), 0, _key, 0, data.ToArray(), 0, data.Length);
    }
}

/// <summary>An Ed25519 private key: the 32-byte seed and its public key.</summary>
public sealed class Ed25519PrivateKey : SshPrivateKey
{
    private readonly byte[] _seed;
    private readonly Ed25519PublicKey _public;

    public Ed25519PrivateKey(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> publicKey = default)
    {
        if (seed.Length != Rfc8032.SecretKeySize) throw new SshKeyFormatException("ed25519 private key must be 32 bytes");
        _seed = seed.ToArray();
        var pk = new byte[Rfc8032.PublicKeySize];
        Rfc8032.GeneratePublicKey(_seed, 0, pk, 0);
        if (!publicKey.IsEmpty && !CryptographicOperations.FixedTimeEquals(pk, publicKey))
            throw new SshKeyFormatException("ed25519 private key does not match its public key");
        _public = new Ed25519PublicKey(pk);
    }

    public static Ed25519PrivateKey Generate()
    {
        Span<byte> seed = stackalloc byte[Rfc8032.SecretKeySize];
        Crypto.KeyRandom.Fill(seed);
        try { return new Ed25519PrivateKey(seed); }
        finally { CryptographicOperations.ZeroMemory(seed); }
    }

    /// <summary>The 32-byte seed. Callers must not keep copies.</summary>
    public ReadOnlySpan<byte> Seed => _seed;
    public override SshPublicKey PublicKey => _public;

    protected override byte[] SignRaw(string algorithm, ReadOnlySpan<byte> data)
    {
        var sig = new byte[Rfc8032.SignatureSize];
        byte[] msg = data.ToArray();
        Rfc8032.Sign(_seed, 0, msg, 0, msg.Length, sig, 0);
        return sig;
    }

    protected override void ZeroSecrets() => CryptographicOperations.ZeroMemory(_seed);
}
