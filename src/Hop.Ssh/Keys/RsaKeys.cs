using System.Security.Cryptography;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Keys;

/// <summary>An ssh-rsa public key; signs and verifies rsa-sha2-512, rsa-sha2-256 (RFC 8332) and ssh-rsa.</summary>
public sealed class RsaPublicKey : SshPublicKey
{
    public const string TypeName = "ssh-rsa";
    public const int MinimumBits = 1024;
    private static readonly string[] Algorithms = ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"];
    private readonly RSAParameters _parameters;
    private RSA? _rsa;

    public RsaPublicKey(ReadOnlySpan<byte> exponent, ReadOnlySpan<byte> modulus)
    {
        while (modulus.Length > 0 && modulus[0] == 0) modulus = modulus[1..];
        while (exponent.Length > 0 && exponent[0] == 0) exponent = exponent[1..];
        if (modulus.Length == 0 || exponent.Length == 0) throw new SshKeyFormatException("malformed RSA key");
        _parameters = new RSAParameters { Exponent = exponent.ToArray(), Modulus = modulus.ToArray() };
        int bits = modulus.Length * 8 - System.Numerics.BitOperations.LeadingZeroCount((uint)modulus[0]) + 24;
        KeySizeBits = bits;
        if (bits < MinimumBits) throw new SshKeyFormatException($"RSA key of {bits} bits is too small");
    }

    public override string KeyType => TypeName;
    public override IReadOnlyList<string> SignatureAlgorithms => Algorithms;
    public override int KeySizeBits { get; }
    public ReadOnlySpan<byte> Modulus => _parameters.Modulus;
    public ReadOnlySpan<byte> Exponent => _parameters.Exponent;

    internal static RsaPublicKey ReadBody(ref SshReader r)
    {
        var e = r.ReadMpintUnsigned(16);
        var n = r.ReadMpintUnsigned(16384 / 8 + 1);
        return new RsaPublicKey(e, n);
    }

    public override void WriteBlob(ref SshWriter writer)
    {
        writer.WriteString(TypeName);
        writer.WriteMpint(_parameters.Exponent);
        writer.WriteMpint(_parameters.Modulus);
    }

    internal static HashAlgorithmName HashFor(string algorithm) => algorithm switch
    {
        "rsa-sha2-512" => HashAlgorithmName.SHA512,
        "rsa-sha2-256" => HashAlgorithmName.SHA256,
        "ssh-rsa" => HashAlgorithmName.SHA1,
        _ => throw new SshKeyFormatException($"unknown RSA signature algorithm {algorithm}"),
    };

    protected override bool VerifyRaw(string algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        _rsa ??= RSA.Create(_parameters);
        // OpenSSH accepts signatures shorter than the modulus (leading zeros stripped); pad them.
        int len = _parameters.Modulus!.Length;
        if (signature.Length > len) return false;
        Span<byte> sig = stackalloc byte[len];
        sig.Clear();
        signature.CopyTo(sig[(len - signature.Length)..]);
        return _rsa.VerifyData(data, sig, HashFor(algorithm), RSASignaturePadding.Pkcs1);
    }
}

/// <summary>An RSA private key.</summary>
public sealed class RsaPrivateKey : SshPrivateKey
{
    private readonly RSA _rsa;
    private readonly RsaPublicKey _public;

    /// <summary>Takes ownership of <paramref name="rsa"/>, which must hold a private key.</summary>
    public RsaPrivateKey(RSA rsa)
    {
        _rsa = rsa;
        var p = rsa.ExportParameters(false);
        _public = new RsaPublicKey(p.Exponent, p.Modulus);
    }

    /// <summary>Builds a key from its parts; CRT parameters are required by the BCL.</summary>
    public static RsaPrivateKey FromParameters(RSAParameters parameters)
    {
        try
        {
            return new RsaPrivateKey(RSA.Create(parameters));
        }
        catch (CryptographicException e)
        {
            throw new SshKeyFormatException("invalid RSA private key", e);
        }
    }

    /// <summary>
    /// A new key from the BCL (OpenSSL on Linux). With <paramref name="searches"/> above one, that
    /// many generations run at once and the first to finish is kept (<see cref="FirstToFinish"/>):
    /// less waiting for the same key strength, at the price of the others' CPU time.
    /// </summary>
    public static RsaPrivateKey Generate(int bits, int searches = 1)
    {
        if (bits < 2048 || bits > 16384) throw new SshKeyFormatException("invalid RSA key length: minimum is 2048 bits, maximum 16384");
        // The BCL generates the key on first use: the constructor's export runs the search.
        return FirstToFinish.Run(searches, () => new RsaPrivateKey(RSA.Create(bits)));
    }

    public override SshPublicKey PublicKey => _public;

    /// <summary>The underlying BCL key (for format writers).</summary>
    public RSA Rsa => _rsa;

    protected override byte[] SignRaw(string algorithm, ReadOnlySpan<byte> data) =>
        _rsa.SignData(data.ToArray(), RsaPublicKey.HashFor(algorithm), RSASignaturePadding.Pkcs1);

    protected override void ZeroSecrets() => _rsa.Dispose();
}
