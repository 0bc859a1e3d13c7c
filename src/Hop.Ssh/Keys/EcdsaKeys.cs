using System.Security.Cryptography;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Keys;

/// <summary>An ecdsa-sha2-nistp256/384/521 public key (RFC 5656).</summary>
public sealed class EcdsaPublicKey : SshPublicKey
{
    private readonly string _typeName;
    private readonly string[] _algorithms;
    private readonly ECParameters _parameters;
    private ECDsa? _ecdsa;

    public EcdsaPublicKey(string curveName, ReadOnlySpan<byte> q)
        : this(EcdsaCurve.ByName(curveName), q, validate: true)
    {
    }

    /// <summary>
    /// A key from its point, checked to lie on the curve (by BouncyCastle) unless <paramref name="validate"/> is
    /// false because the caller computed it. The BCL key, and with it OpenSSL, is made when it first verifies.
    /// </summary>
    internal EcdsaPublicKey(EcdsaCurve curve, ReadOnlySpan<byte> q, bool validate)
    {
        Curve = curve;
        _typeName = Curve.KeyType;
        _algorithms = [_typeName];
        int n = Curve.FieldBytes;
        if (q.Length != 1 + 2 * n || q[0] != 4) throw new SshKeyFormatException($"malformed {_typeName} point");
        _parameters = new ECParameters
        {
            Curve = Curve.Curve,
            Q = new ECPoint { X = q.Slice(1, n).ToArray(), Y = q.Slice(1 + n, n).ToArray() },
        };
        if (validate && !EcdsaDomain.IsValidPublicKey(curve, q)) throw new SshKeyFormatException($"invalid {_typeName} point");
    }

    internal EcdsaCurve Curve { get; }
    public override string KeyType => _typeName;
    public override IReadOnlyList<string> SignatureAlgorithms => _algorithms;
    public override int KeySizeBits => Curve.Bits;
    public string CurveName => Curve.Name;

    /// <summary>The BCL parameters of the public key (curve and point).</summary>
    public ECParameters Parameters => new() { Curve = _parameters.Curve, Q = new ECPoint { X = (byte[])_parameters.Q.X!.Clone(), Y = (byte[])_parameters.Q.Y!.Clone() } };

    /// <summary>The uncompressed point 0x04 || X || Y.</summary>
    public byte[] Q
    {
        get
        {
            var q = new byte[1 + 2 * Curve.FieldBytes];
            q[0] = 4;
            _parameters.Q.X!.CopyTo(q, 1);
            _parameters.Q.Y!.CopyTo(q, 1 + Curve.FieldBytes);
            return q;
        }
    }

    internal static EcdsaPublicKey ReadBody(string type, ref SshReader r)
    {
        string curve = r.ReadName();
        var curveInfo = EcdsaCurve.ByName(curve);
        if (curveInfo.KeyType != type) throw new SshKeyFormatException($"key type {type} does not match curve {curve}");
        return new EcdsaPublicKey(curve, r.ReadString(200));
    }

    public override void WriteBlob(ref SshWriter writer)
    {
        writer.WriteString(_typeName);
        writer.WriteString(Curve.Name);
        writer.WriteString(Q);
    }

    protected override bool VerifyRaw(string algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        var r = new SshReader(signature);
        var rr = r.ReadMpintUnsigned(Curve.FieldBytes + 1);
        var ss = r.ReadMpintUnsigned(Curve.FieldBytes + 1);
        r.EnsureEnd();
        int n = Curve.FieldBytes;
        if (rr.Length > n || ss.Length > n) return false;
        Span<byte> ieee = stackalloc byte[2 * n];
        ieee.Clear();
        rr.CopyTo(ieee[(n - rr.Length)..n]);
        ss.CopyTo(ieee[(2 * n - ss.Length)..]);
        _ecdsa ??= ECDsa.Create(_parameters);
        return _ecdsa.VerifyData(data, ieee, Curve.Hash);
    }
}

/// <summary>An ECDSA private key on a NIST curve.</summary>
public sealed class EcdsaPrivateKey : SshPrivateKey
{
    private readonly EcdsaPublicKey _public;
    private readonly byte[] _d;
    private ECDsa? _ecdsa;

    /// <summary>Takes ownership of <paramref name="ecdsa"/>, which must hold a private key on a supported curve.</summary>
    public EcdsaPrivateKey(ECDsa ecdsa)
    {
        _ecdsa = ecdsa;
        var p = ecdsa.ExportParameters(true);
        var curve = EcdsaCurve.ByBclCurve(p.Curve);
        int n = curve.FieldBytes;
        var q = new byte[1 + 2 * n];
        q[0] = 4;
        p.Q.X!.CopyTo(q, 1);
        p.Q.Y!.CopyTo(q, 1 + n);
        _public = new EcdsaPublicKey(curve, q, validate: false);
        _d = p.D!;
    }

    /// <summary>A key whose point <paramref name="q"/> = <paramref name="d"/>·G was computed here; takes ownership of <paramref name="d"/>.</summary>
    private EcdsaPrivateKey(EcdsaCurve curve, byte[] d, byte[] q)
    {
        _public = new EcdsaPublicKey(curve, q, validate: false);
        _d = d;
    }

    /// <summary>Builds a key from the curve name, public point and private scalar (big-endian).</summary>
    public static EcdsaPrivateKey FromParts(string curveName, ReadOnlySpan<byte> q, ReadOnlySpan<byte> d)
    {
        var pub = new EcdsaPublicKey(curveName, q);
        int n = pub.Curve.FieldBytes;
        while (d.Length > n && d[0] == 0) d = d[1..];
        if (d.Length > n) throw new SshKeyFormatException("ECDSA private scalar too large");
        var dd = new byte[n];
        d.CopyTo(dd.AsSpan(n - d.Length));
        var param = new ECParameters
        {
            Curve = pub.Curve.Curve,
            Q = new ECPoint { X = q.Slice(1, n).ToArray(), Y = q.Slice(1 + n, n).ToArray() },
            D = dd,
        };
        try
        {
            var ecdsa = ECDsa.Create(param);
            return new EcdsaPrivateKey(ecdsa);
        }
        catch (CryptographicException e)
        {
            throw new SshKeyFormatException("ECDSA private key does not match its public key", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dd);
        }
    }

    /// <summary>
    /// A new key: the scalar from libsodium's randombytes, the point computed with BouncyCastle
    /// (<see cref="EcdsaDomain"/>), so that `hop keygen -t ecdsa` does not load OpenSSL; the BCL key
    /// is made when the key first signs or is written in a BCL format.
    /// </summary>
    public static EcdsaPrivateKey Generate(int bits)
    {
        var curve = EcdsaCurve.ByBits(bits);
        var (d, q) = EcdsaDomain.GenerateKeyPair(curve);
        return new EcdsaPrivateKey(curve, d, q);
    }

    public override SshPublicKey PublicKey => _public;

    /// <summary>Exports the private scalar D, big-endian, padded to the field size. Zero it after use.</summary>
    public byte[] ExportPrivateScalar() => (byte[])_d.Clone();

    /// <summary>The underlying BCL key (for format writers).</summary>
    public ECDsa Ecdsa => Volatile.Read(ref _ecdsa) ?? CreateBclKey();

    /// <summary>Makes the BCL key once; of two threads that race (agent signatures), one key is kept.</summary>
    private ECDsa CreateBclKey()
    {
        var p = _public.Parameters;
        p.D = ExportPrivateScalar();
        ECDsa made;
        try
        {
            made = ECDsa.Create(p);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(p.D);
        }
        var kept = Interlocked.CompareExchange(ref _ecdsa, made, null);
        if (kept is null) return made;
        made.Dispose();
        return kept;
    }

    protected override byte[] SignRaw(string algorithm, ReadOnlySpan<byte> data)
    {
        var curve = _public.Curve;
        byte[] ieee = Ecdsa.SignData(data.ToArray(), curve.Hash);
        int n = curve.FieldBytes;
        using var buffer = new SshBuffer(2 * n + 16);
        var w = buffer.Writer;
        w.WriteMpint(ieee.AsSpan(0, n));
        w.WriteMpint(ieee.AsSpan(n, n));
        return buffer.ToArray();
    }

    protected override void ZeroSecrets()
    {
        CryptographicOperations.ZeroMemory(_d);
        _ecdsa?.Dispose();
    }
}

/// <summary>The facts of one NIST curve as SSH names it.</summary>
internal sealed record EcdsaCurve(string Name, string KeyType, int Bits, int FieldBytes, ECCurve Curve, HashAlgorithmName Hash, string Oid)
{
    public static readonly EcdsaCurve P256 = new("nistp256", "ecdsa-sha2-nistp256", 256, 32, ECCurve.NamedCurves.nistP256, HashAlgorithmName.SHA256, "1.2.840.10045.3.1.7");
    public static readonly EcdsaCurve P384 = new("nistp384", "ecdsa-sha2-nistp384", 384, 48, ECCurve.NamedCurves.nistP384, HashAlgorithmName.SHA384, "1.3.132.0.34");
    public static readonly EcdsaCurve P521 = new("nistp521", "ecdsa-sha2-nistp521", 521, 66, ECCurve.NamedCurves.nistP521, HashAlgorithmName.SHA512, "1.3.132.0.35");

    public static EcdsaCurve ByName(string name) => name switch
    {
        "nistp256" => P256,
        "nistp384" => P384,
        "nistp521" => P521,
        _ => throw new SshKeyFormatException($"unsupported ECDSA curve {name}"),
    };

    public static EcdsaCurve ByBits(int bits) => bits switch
    {
        256 => P256,
        384 => P384,
        521 => P521,
        _ => throw new SshKeyFormatException("invalid ECDSA key length: must be 256, 384 or 521 bits"),
    };

    /// <summary>The curve of a BCL key, which may name it by OID value or by friendly name only.</summary>
    public static EcdsaCurve ByBclCurve(ECCurve curve)
    {
        if (!curve.IsNamed || curve.Oid is null) throw new SshKeyFormatException("ECDSA key on an unnamed curve");
        if (curve.Oid.Value is not null) return ByOid(curve.Oid.Value);
        return curve.Oid.FriendlyName switch
        {
            "nistP256" or "ECDSA_P256" or "secp256r1" or "prime256v1" => P256,
            "nistP384" or "ECDSA_P384" or "secp384r1" => P384,
            "nistP521" or "ECDSA_P521" or "secp521r1" => P521,
            var n => throw new SshKeyFormatException($"unsupported ECDSA curve {n}"),
        };
    }

    public static EcdsaCurve ByOid(string? oid) => oid switch
    {
        "1.2.840.10045.3.1.7" => P256,
        "1.3.132.0.34" => P384,
        "1.3.132.0.35" => P521,
        _ => throw new SshKeyFormatException($"unsupported ECDSA curve {oid}"),
    };
}
