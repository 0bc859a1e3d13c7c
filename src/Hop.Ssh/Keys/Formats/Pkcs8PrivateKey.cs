using System.Formats.Asn1;
using System.Security.Cryptography;

namespace Hop.Ssh.Keys.Formats;

/// <summary>
/// PKCS#8 private keys (RFC 5208/5958): "PRIVATE KEY" (PrivateKeyInfo: RSA, EC on NIST curves, Ed25519
/// per RFC 8410) and "ENCRYPTED PRIVATE KEY" (EncryptedPrivateKeyInfo: PBES2 per RFC 8018 through
/// <see cref="Pbes2"/>, older schemes through the BCL's RSA and EC importers).
/// </summary>
internal sealed class Pkcs8PrivateKey : EncodedPrivateKey
{
    public const string PlainLabel = "PRIVATE KEY";
    public const string EncryptedLabel = "ENCRYPTED PRIVATE KEY";
    private const string Ed25519Oid = "1.3.101.112";
    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string EcOid = "1.2.840.10045.2.1";

    private const long MaxIterations = 10_000_000;
    private readonly PemBlock _block;
    private readonly long _iterations;
    private readonly bool _isPbes2;

    private Pkcs8PrivateKey(PemBlock block)
    {
        _block = block;
        if (!IsEncrypted)
        {
            using var key = ImportPlain(block.Data);
            PublicKey = key.PublicKey;
        }
        else
        {
            try
            {
                var r = new AsnReader(block.Data, AsnEncodingRules.DER);
                var seq = r.ReadSequence();
                r.ThrowIfNotEmpty();
                seq.ReadSequence();
                seq.ReadOctetString();
                seq.ThrowIfNotEmpty();
                _isPbes2 = Pbes2.TryReadIterations(block.Data, out _iterations);
                if (_iterations > MaxIterations) throw new SshKeyFormatException($"invalid format (PBKDF2 iteration count {_iterations})");
            }
            catch (AsnContentException e)
            {
                throw new SshKeyFormatException("invalid format (" + e.Message.TrimEnd('.') + ")", e);
            }
        }
    }

    public static Pkcs8PrivateKey Parse(PemBlock block) => new(block);

    internal override long KdfCost => _iterations / 1000;

    public override PrivateKeyFormat Format => PrivateKeyFormat.Pkcs8;
    public override bool IsEncrypted => _block.Label == EncryptedLabel;
    public override SshPublicKey? PublicKey { get; }
    public override string Comment => "";

    public override SshPrivateKey Decrypt(ReadOnlySpan<byte> passphrase)
    {
        if (!IsEncrypted) return ImportPlain(_block.Data);
        if (passphrase.IsEmpty) throw new SshPassphraseException(PrivateKeyFile.IncorrectPassphrase);
        if (_isPbes2)
        {
            byte[] der = Pbes2.Decrypt(_block.Data, passphrase, MaxIterations);
            try
            {
                return ImportPlain(der);
            }
            catch (SshKeyFormatException e)
            {
                // Padding that happens to check out under a wrong passphrase still gives garbage.
                throw new SshPassphraseException(PrivateKeyFile.IncorrectPassphrase, e);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(der);
            }
        }
        // Older schemes (PBES1, PKCS#12 PBE) through the BCL's importers, which want the password as characters.
        char[] chars = new char[System.Text.Encoding.UTF8.GetCharCount(passphrase)];
        System.Text.Encoding.UTF8.GetChars(passphrase, chars);
        try
        {
            var rsa = RSA.Create();
            try
            {
                rsa.ImportEncryptedPkcs8PrivateKey(chars, _block.Data, out _);
                return new RsaPrivateKey(rsa);
            }
            catch (CryptographicException)
            {
                rsa.Dispose();
            }
            var ec = ECDsa.Create();
            try
            {
                ec.ImportEncryptedPkcs8PrivateKey(chars, _block.Data, out _);
                return new EcdsaPrivateKey(ec);
            }
            catch (Exception e) when (e is CryptographicException or PlatformNotSupportedException)
            {
                ec.Dispose();
                throw new SshPassphraseException(PrivateKeyFile.IncorrectPassphrase, e);
            }
        }
        finally
        {
            Array.Clear(chars);
        }
    }

    private static SshPrivateKey ImportPlain(byte[] der)
    {
        try
        {
            var r = new AsnReader(der, AsnEncodingRules.DER);
            var info = r.ReadSequence();
            r.ThrowIfNotEmpty();
            info.ReadInteger();
            var alg = info.ReadSequence();
            string oid = alg.ReadObjectIdentifier();
            switch (oid)
            {
                case Ed25519Oid:
                {
                    byte[] inner = info.ReadOctetString();
                    var ir = new AsnReader(inner, AsnEncodingRules.DER);
                    byte[] seed = ir.ReadOctetString();
                    ir.ThrowIfNotEmpty();
                    try
                    {
                        return new Ed25519PrivateKey(seed);
                    }
                    finally
                    {
                        CryptographicOperations.ZeroMemory(seed);
                        CryptographicOperations.ZeroMemory(inner);
                    }
                }
                case RsaOid:
                {
                    var rsa = RSA.Create();
                    try
                    {
                        rsa.ImportPkcs8PrivateKey(der, out _);
                        return new RsaPrivateKey(rsa);
                    }
                    catch
                    {
                        rsa.Dispose();
                        throw;
                    }
                }
                case EcOid:
                {
                    var ec = ECDsa.Create();
                    try
                    {
                        ec.ImportPkcs8PrivateKey(der, out _);
                        return new EcdsaPrivateKey(ec);
                    }
                    catch
                    {
                        ec.Dispose();
                        throw;
                    }
                }
                default:
                    throw new SshKeyFormatException($"unsupported PKCS#8 key algorithm {oid}");
            }
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException or PlatformNotSupportedException)
        {
            throw new SshKeyFormatException("invalid format (" + e.Message.TrimEnd('.') + ")", e);
        }
    }

    /// <summary>
    /// Writes PKCS#8; encrypted as ssh-keygen -m PKCS8 does (PBES2, PBKDF2-HMAC-SHA256, AES-128-CBC; 2048 iterations, OpenSSL's default). Ed25519 is written unencrypted only.
    /// </summary>
    public static string Write(SshPrivateKey key, ReadOnlySpan<byte> passphrase)
    {
        if (key is Ed25519PrivateKey ed && passphrase.IsEmpty) return PemBlock.Write(PlainLabel, WriteEd25519(ed));
        AsymmetricAlgorithm alg = key switch
        {
            RsaPrivateKey r => r.Rsa,
            EcdsaPrivateKey e => e.Ecdsa,
            _ => throw new SshKeyFormatException($"a {key.PublicKey.KeyType} key cannot be written as encrypted PKCS8"),
        };
        byte[] der = passphrase.IsEmpty
            ? alg.ExportPkcs8PrivateKey()
            : alg.ExportEncryptedPkcs8PrivateKey(passphrase, new PbeParameters(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 2048));
        try
        {
            return PemBlock.Write(passphrase.IsEmpty ? PlainLabel : EncryptedLabel, der);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    private static byte[] WriteEd25519(Ed25519PrivateKey key)
    {
        var inner = new AsnWriter(AsnEncodingRules.DER);
        inner.WriteOctetString(key.Seed);
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteInteger(0);
            using (w.PushSequence()) w.WriteObjectIdentifier(Ed25519Oid);
            w.WriteOctetString(inner.Encode());
        }
        return w.Encode();
    }
}
