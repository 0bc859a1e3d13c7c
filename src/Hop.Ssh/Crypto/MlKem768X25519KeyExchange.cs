using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Kems;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Hop.Ssh.Crypto;

/// <summary>
/// mlkem768x25519-sha256 (draft-ietf-sshm-mlkem-hybrid-kex): ML-KEM-768 (FIPS 203, BouncyCastle,
/// since the BCL's MLKem is unsupported with OpenSSL 3.0) combined with X25519; encapsulation key
/// 1184 bytes, ciphertext 1088 bytes, KEM secret 32 bytes; K = string(SHA-256(ML-KEM secret ||
/// X25519 secret)).
/// </summary>
public sealed class MlKem768X25519KeyExchange : HybridKemKeyExchange
{
    /// <summary>Bytes of an ML-KEM-768 encapsulation key.</summary>
    public const int PublicKeySize = 1184;

    /// <summary>Bytes of an ML-KEM-768 ciphertext.</summary>
    public const int CiphertextSize = 1088;

    private const int SecretSize = 32;

    private readonly MLKemPrivateKeyParameters _private;
    private readonly byte[] _public;

    /// <summary>Creates an exchange with fresh ephemeral keys.</summary>
    public MlKem768X25519KeyExchange()
    {
        var generator = new MLKemKeyPairGenerator();
        generator.Init(new MLKemKeyGenerationParameters(new SecureRandom(), MLKemParameters.ml_kem_768));
        AsymmetricCipherKeyPair pair = generator.GenerateKeyPair();
        _private = (MLKemPrivateKeyParameters)pair.Private;
        _public = ((MLKemPublicKeyParameters)pair.Public).GetEncoded();
        if (_public.Length != PublicKeySize) throw new CryptographicException("ML-KEM-768 encapsulation key of unexpected size");
    }

    /// <inheritdoc/>
    public override HashAlgorithmName Hash => HashAlgorithmName.SHA256;

    /// <inheritdoc/>
    protected override int KemPublicKeySize => PublicKeySize;

    /// <inheritdoc/>
    protected override int KemCiphertextSize => CiphertextSize;

    /// <inheritdoc/>
    protected override byte[] KemPublicKey => _public;

    /// <inheritdoc/>
    protected override byte[] Decapsulate(ReadOnlySpan<byte> ciphertext)
    {
        var decapsulator = new MLKemDecapsulator(MLKemParameters.ml_kem_768);
        decapsulator.Init(_private);
        var secret = new byte[SecretSize];
        decapsulator.Decapsulate(ciphertext, secret);
        return secret;
    }

    /// <inheritdoc/>
    protected override (byte[] Ciphertext, byte[] Secret) Encapsulate(ReadOnlySpan<byte> publicKey)
    {
        MLKemPublicKeyParameters key;
        try
        {
            // FIPS 203 §7.2: the encapsulation key must decode to coefficients below q.
            key = MLKemPublicKeyParameters.FromEncoding(MLKemParameters.ml_kem_768, publicKey.ToArray());
        }
        catch (ArgumentException e)
        {
            throw new SshProtocolException("invalid ML-KEM-768 encapsulation key from client", e);
        }
        var encapsulator = new MLKemEncapsulator(MLKemParameters.ml_kem_768);
        encapsulator.Init(new ParametersWithRandom(key, new SecureRandom()));
        var ciphertext = new byte[CiphertextSize];
        var secret = new byte[SecretSize];
        encapsulator.Encapsulate(ciphertext, secret);
        return (ciphertext, secret);
    }
}
