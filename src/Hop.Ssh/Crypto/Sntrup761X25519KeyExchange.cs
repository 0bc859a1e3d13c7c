using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Pqc.Crypto.NtruPrime;
using Org.BouncyCastle.Security;

namespace Hop.Ssh.Crypto;

/// <summary>
/// sntrup761x25519-sha512 and sntrup761x25519-sha512@openssh.com: Streamlined NTRU Prime 761
/// (BouncyCastle) combined with X25519; public key 1158 bytes, ciphertext 1039 bytes, KEM secret
/// 32 bytes; K = string(SHA-512(sntrup761 secret || X25519 secret)).
/// </summary>
public sealed class Sntrup761X25519KeyExchange : HybridKemKeyExchange
{
    /// <summary>Bytes of an sntrup761 public key.</summary>
    public const int PublicKeySize = 1158;

    /// <summary>Bytes of an sntrup761 ciphertext.</summary>
    public const int CiphertextSize = 1039;

    private readonly SNtruPrimePrivateKeyParameters _private;
    private readonly byte[] _public;

    /// <summary>Creates an exchange with fresh ephemeral keys.</summary>
    public Sntrup761X25519KeyExchange()
    {
        var generator = new SNtruPrimeKeyPairGenerator();
        generator.Init(new SNtruPrimeKeyGenerationParameters(new SecureRandom(), SNtruPrimeParameters.sntrup761));
        AsymmetricCipherKeyPair pair = generator.GenerateKeyPair();
        _private = (SNtruPrimePrivateKeyParameters)pair.Private;
        _public = ((SNtruPrimePublicKeyParameters)pair.Public).GetPublicKey();
        if (_public.Length != PublicKeySize) throw new CryptographicException("sntrup761 public key of unexpected size");
    }

    /// <inheritdoc/>
    public override HashAlgorithmName Hash => HashAlgorithmName.SHA512;

    /// <inheritdoc/>
    protected override int KemPublicKeySize => PublicKeySize;

    /// <inheritdoc/>
    protected override int KemCiphertextSize => CiphertextSize;

    /// <inheritdoc/>
    protected override byte[] KemPublicKey => _public;

    /// <inheritdoc/>
    protected override byte[] Decapsulate(ReadOnlySpan<byte> ciphertext)
    {
        // Streamlined NTRU Prime decapsulation never fails: a bad ciphertext yields an unrelated secret.
        return new SNtruPrimeKemExtractor(_private).ExtractSecret(ciphertext.ToArray());
    }

    /// <inheritdoc/>
    protected override (byte[] Ciphertext, byte[] Secret) Encapsulate(ReadOnlySpan<byte> publicKey)
    {
        var key = new SNtruPrimePublicKeyParameters(SNtruPrimeParameters.sntrup761, publicKey.ToArray());
        using var encapsulated = new SNtruPrimeKemGenerator(new SecureRandom()).GenerateEncapsulated(key);
        return (encapsulated.GetEncapsulation(), encapsulated.GetSecret());
    }
}
