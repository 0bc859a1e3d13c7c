using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Hop.Ssh.Wire;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;

namespace Hop.Ssh.Keys.Formats;

/// <summary>
/// PuTTY's .ppk private key file, versions 2 and 3 (PuTTY manual appendix C; layout in <see cref="PpkFields"/>).
/// The private blob holds the fields the public blob lacks: RSA mpint d, p, q, iqmp; ECDSA mpint k;
/// Ed25519 string k (the 32-byte seed). Encryption is aes256-cbc with a zero IV (v2: key from SHA-1 of the
/// passphrase) or an IV from Argon2 (v3). The MAC covers string(type), string(encryption), string(comment),
/// string(public blob), string(private blob as plaintext, padding included): v2 HMAC-SHA-1 keyed with
/// SHA-1("putty-private-key-file-mac-key" || passphrase), v3 HMAC-SHA-256 keyed from Argon2 (empty when
/// unencrypted).
/// </summary>
internal sealed class PpkKeyFile : EncodedPrivateKey
{
    private const int MaxArgonMemoryKiB = 1024 * 1024;
    private const int MaxArgonPasses = 10_000;
    private readonly PpkFields _fields;
    private readonly bool _encrypted;
    private readonly byte[] _publicBlob;
    private readonly byte[] _privateBlob;
    private readonly byte[] _mac;

    private PpkKeyFile(PpkFields fields, bool encrypted, SshPublicKey publicKey, byte[] publicBlob, byte[] privateBlob, byte[] mac, string comment)
    {
        _fields = fields;
        _encrypted = encrypted;
        PublicKey = publicKey;
        _publicBlob = publicBlob;
        _privateBlob = privateBlob;
        _mac = mac;
        Comment = comment;
    }

    public override PrivateKeyFormat Format => _fields.Version == 2 ? PrivateKeyFormat.Ppk2 : PrivateKeyFormat.Ppk3;
    public override bool IsEncrypted => _encrypted;
    public override SshPublicKey PublicKey { get; }
    public override string Comment { get; }

    internal override long KdfCost => _fields.Version == 3 && _encrypted
        ? (long)ReadArgonParameters(_fields).Memory * ReadArgonParameters(_fields).Passes / 1024
        : 0;

    public static PpkKeyFile Parse(string text)
    {
        var f = PpkFields.Parse(text);
        string enc = f.Get("Encryption");
        bool encrypted = enc switch
        {
            "none" => false,
            "aes256-cbc" => true,
            _ => throw new SshKeyFormatException($"unknown ppk encryption {enc}"),
        };
        string comment = f.TryGet("Comment") ?? "";
        byte[] pubBlob = PemBlock.DecodeBase64(f.Get("Public-Lines"));
        var pub = SshPublicKey.FromBlob(pubBlob);
        if (pub.KeyType != f.KeyType) throw new SshKeyFormatException("invalid format (ppk key type does not match its public key)");
        byte[] priv = PemBlock.DecodeBase64(f.Get("Private-Lines"));
        if (encrypted && (priv.Length == 0 || priv.Length % 16 != 0)) throw new SshKeyFormatException("invalid format (ppk private blob is not a whole number of blocks)");
        string macHex = f.TryGet("Private-MAC") ?? throw new SshKeyFormatException(f.TryGet("Private-Hash") is null ? "invalid format (ppk MAC missing)" : "PuTTY key format too old");
        byte[] mac;
        try
        {
            mac = Convert.FromHexString(macHex);
        }
        catch (FormatException e)
        {
            throw new SshKeyFormatException("invalid format (ppk MAC is not hex)", e);
        }
        if (mac.Length != (f.Version == 2 ? 20 : 32)) throw new SshKeyFormatException("invalid format (ppk MAC length)");
        if (f.Version == 3 && encrypted) _ = ReadArgonParameters(f);
        return new PpkKeyFile(f, encrypted, pub, pubBlob, priv, mac, comment);
    }

    private static (string Kdf, int Memory, int Passes, int Parallelism, byte[] Salt) ReadArgonParameters(PpkFields f)
    {
        string kdf = f.Get("Key-Derivation");
        if (kdf is not ("Argon2id" or "Argon2i" or "Argon2d")) throw new SshKeyFormatException($"unknown ppk key derivation {kdf}");
        int mem = ParseNumber(f.Get("Argon2-Memory"), MaxArgonMemoryKiB);
        int passes = ParseNumber(f.Get("Argon2-Passes"), MaxArgonPasses);
        int par = ParseNumber(f.Get("Argon2-Parallelism"), 64);
        if (mem < 8 * par) throw new SshKeyFormatException("invalid format (Argon2 memory below 8 KiB per lane)");
        byte[] salt;
        try
        {
            salt = Convert.FromHexString(f.Get("Argon2-Salt"));
        }
        catch (FormatException e)
        {
            throw new SshKeyFormatException("invalid format (Argon2 salt is not hex)", e);
        }
        return (kdf, mem, passes, par, salt);
    }

    private static int ParseNumber(string s, int max)
    {
        if (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v < 1 || v > max)
            throw new SshKeyFormatException($"invalid format (ppk number {s})");
        return v;
    }

    public override SshPrivateKey Decrypt(ReadOnlySpan<byte> passphrase)
    {
        var plain = (byte[])_privateBlob.Clone();
        byte[] macKey = [];
        try
        {
            if (_fields.Version == 2)
            {
                macKey = V2MacKey(_encrypted ? passphrase : default);
                if (_encrypted) DecryptCbc(V2CipherKey(passphrase), new byte[16], plain);
            }
            else if (_encrypted)
            {
                var (kdf, mem, passes, par, salt) = ReadArgonParameters(_fields);
                byte[] material = Argon2(kdf, passphrase, salt, mem, passes, par, 80);
                try
                {
                    DecryptCbc(material.AsSpan(0, 32), material.AsSpan(32, 16), plain);
                    macKey = material.AsSpan(48, 32).ToArray();
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(material);
                }
            }
            byte[] expected = ComputeMac(_fields.Version, macKey, _fields.KeyType, _encrypted ? "aes256-cbc" : "none", Comment, _publicBlob, plain);
            if (!CryptographicOperations.FixedTimeEquals(expected, _mac))
            {
                if (_encrypted) throw new SshPassphraseException(PrivateKeyFile.IncorrectPassphrase);
                throw new SshKeyFormatException("invalid format (ppk MAC failed)");
            }
            var key = ReadPrivateBlob(PublicKey, plain, allowPadding: _encrypted);
            key.Comment = Comment;
            return key;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
            CryptographicOperations.ZeroMemory(macKey);
        }
    }

    private static SshPrivateKey ReadPrivateBlob(SshPublicKey pub, ReadOnlySpan<byte> blob, bool allowPadding)
    {
        try
        {
            var r = new SshReader(blob);
            SshPrivateKey key;
            switch (pub)
            {
                case Ed25519PublicKey ed:
                {
                    var seed = r.ReadString(32);
                    if (seed.Length != 32) throw new SshKeyFormatException("invalid format (ed25519 private key length)");
                    key = new Ed25519PrivateKey(seed, ed.Key);
                    break;
                }
                case EcdsaPublicKey ec:
                    key = EcdsaPrivateKey.FromParts(ec.CurveName, ec.Q, r.ReadMpintUnsigned(ec.Curve.FieldBytes + 1));
                    break;
                case RsaPublicKey rsa:
                {
                    var d = r.ReadMpintUnsigned(2049);
                    var p = r.ReadMpintUnsigned(2049);
                    var q = r.ReadMpintUnsigned(2049);
                    var iqmp = r.ReadMpintUnsigned(2049);
                    key = RsaParts.ToPrivateKey(rsa.Modulus, rsa.Exponent, d, iqmp, p, q);
                    break;
                }
                default:
                    throw new SshKeyFormatException($"unsupported key type {pub.KeyType}");
            }
            if (!allowPadding && !r.IsAtEnd)
            {
                key.Dispose();
                throw new SshKeyFormatException("invalid format (trailing bytes in ppk private blob)");
            }
            if (!key.PublicKey.Equals(pub))
            {
                key.Dispose();
                throw new SshKeyFormatException("invalid format (ppk private key does not match its public key)");
            }
            return key;
        }
        catch (SshProtocolException e)
        {
            throw new SshKeyFormatException("invalid format (" + e.Message + ")", e);
        }
    }

    private static byte[] WritePrivateBlob(SshPrivateKey key)
    {
        using var b = new SshBuffer(1024);
        var w = b.Writer;
        switch (key)
        {
            case Ed25519PrivateKey ed:
                w.WriteString(ed.Seed);
                break;
            case EcdsaPrivateKey ec:
            {
                byte[] d = ec.ExportPrivateScalar();
                w.WriteMpint(d);
                CryptographicOperations.ZeroMemory(d);
                break;
            }
            case RsaPrivateKey rsa:
            {
                var p = rsa.Rsa.ExportParameters(true);
                w.WriteMpint(p.D);
                w.WriteMpint(p.P);
                w.WriteMpint(p.Q);
                w.WriteMpint(p.InverseQ);
                RsaParts.Zero(p);
                break;
            }
            default:
                throw new SshKeyFormatException($"cannot write a {key.PublicKey.KeyType} key as ppk");
        }
        return b.ToArray();
    }

    /// <summary>Writes a .ppk file (version 2 or 3); encrypted with aes256-cbc when the passphrase is not empty.</summary>
    public static string Write(SshPrivateKey key, string comment, ReadOnlySpan<byte> passphrase, int version, PrivateKeyWriteOptions options)
    {
        if (version is not (2 or 3)) throw new ArgumentOutOfRangeException(nameof(version));
        if (comment.Contains('\n', StringComparison.Ordinal) || comment.Contains('\r', StringComparison.Ordinal))
            throw new SshKeyFormatException("a ppk comment cannot contain a line break");
        bool encrypted = !passphrase.IsEmpty;
        string enc = encrypted ? "aes256-cbc" : "none";
        byte[] pubBlob = key.PublicKey.Blob.ToArray();
        byte[] raw = WritePrivateBlob(key);
        int padded = encrypted ? (raw.Length + 15) / 16 * 16 : raw.Length;
        byte[] plain = new byte[padded];
        raw.CopyTo(plain, 0);
        RandomNumberGenerator.Fill(plain.AsSpan(raw.Length));
        CryptographicOperations.ZeroMemory(raw);
        byte[] macKey = [];
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"PuTTY-User-Key-File-{version}: {key.PublicKey.KeyType}\n");
        sb.Append(CultureInfo.InvariantCulture, $"Encryption: {enc}\n");
        sb.Append(CultureInfo.InvariantCulture, $"Comment: {comment}\n");
        AppendLines(sb, "Public-Lines", pubBlob);
        try
        {
            byte[] cipherText = (byte[])plain.Clone();
            if (version == 2)
            {
                macKey = V2MacKey(encrypted ? passphrase : default);
                if (encrypted) EncryptCbc(V2CipherKey(passphrase), new byte[16], cipherText);
            }
            else if (encrypted)
            {
                byte[] salt = RandomNumberGenerator.GetBytes(16);
                int passes = options.PpkPasses ?? CalibratePasses(options.PpkKdf, options.PpkMemoryKiB, options.PpkParallelism);
                byte[] material = Argon2(options.PpkKdf, passphrase, salt, options.PpkMemoryKiB, passes, options.PpkParallelism, 80);
                try
                {
                    EncryptCbc(material.AsSpan(0, 32), material.AsSpan(32, 16), cipherText);
                    macKey = material.AsSpan(48, 32).ToArray();
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(material);
                }
                sb.Append(CultureInfo.InvariantCulture, $"Key-Derivation: {options.PpkKdf}\n");
                sb.Append(CultureInfo.InvariantCulture, $"Argon2-Memory: {options.PpkMemoryKiB}\n");
                sb.Append(CultureInfo.InvariantCulture, $"Argon2-Passes: {passes}\n");
                sb.Append(CultureInfo.InvariantCulture, $"Argon2-Parallelism: {options.PpkParallelism}\n");
                sb.Append(CultureInfo.InvariantCulture, $"Argon2-Salt: {Convert.ToHexStringLower(salt)}\n");
            }
            AppendLines(sb, "Private-Lines", cipherText);
            byte[] mac = ComputeMac(version, macKey, key.PublicKey.KeyType, enc, comment, pubBlob, plain);
            sb.Append(CultureInfo.InvariantCulture, $"Private-MAC: {Convert.ToHexStringLower(mac)}\n");
            return sb.ToString();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
            CryptographicOperations.ZeroMemory(macKey);
        }
    }

    private static void AppendLines(StringBuilder sb, string name, byte[] data)
    {
        string b64 = Convert.ToBase64String(data);
        int lines = (b64.Length + 63) / 64;
        sb.Append(CultureInfo.InvariantCulture, $"{name}: {lines}\n");
        for (int i = 0; i < b64.Length; i += 64) sb.Append(b64, i, Math.Min(64, b64.Length - i)).Append('\n');
    }

    /// <summary>PuTTYgen's default: as many passes as fit in about 100 ms.</summary>
    private static int CalibratePasses(string kdf, int memoryKiB, int parallelism)
    {
        byte[] probe = new byte[16];
        var sw = Stopwatch.StartNew();
        Argon2(kdf, "calibration"u8, probe, memoryKiB, 1, parallelism, 16);
        double ms = Math.Max(sw.Elapsed.TotalMilliseconds, 1);
        return (int)Math.Clamp(100 / ms, 1, 1000);
    }

    private static byte[] ComputeMac(int version, byte[] macKey, string type, string encryption, string comment, byte[] pubBlob, byte[] privatePlain)
    {
        using var data = new SshBuffer(privatePlain.Length + pubBlob.Length + 256);
        var w = data.Writer;
        w.WriteString(type);
        w.WriteString(encryption);
        w.WriteString(comment);
        w.WriteString(pubBlob);
        w.WriteString(privatePlain);
        return version == 2 ? HMACSHA1.HashData(macKey, data.WrittenSpan) : HMACSHA256.HashData(macKey, data.WrittenSpan);
    }

    private static byte[] V2MacKey(ReadOnlySpan<byte> passphrase)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        h.AppendData("putty-private-key-file-mac-key"u8);
        h.AppendData(passphrase);
        return h.GetHashAndReset();
    }

    private static byte[] V2CipherKey(ReadOnlySpan<byte> passphrase)
    {
        var key = new byte[40];
        Span<byte> seq = stackalloc byte[4];
        for (int i = 0; i < 2; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(seq, (uint)i);
            using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            h.AppendData(seq);
            h.AppendData(passphrase);
            h.GetHashAndReset(key.AsSpan(i * 20, 20));
        }
        var k = key[..32];
        CryptographicOperations.ZeroMemory(key);
        return k;
    }

    /// <summary>Argon2 (version 0x13) through BouncyCastle's Argon2BytesGenerator.</summary>
    internal static byte[] Argon2(string kdf, ReadOnlySpan<byte> passphrase, byte[] salt, int memoryKiB, int passes, int parallelism, int length)
    {
        int type = kdf switch
        {
            "Argon2d" => Argon2Parameters.Argon2d,
            "Argon2i" => Argon2Parameters.Argon2i,
            "Argon2id" => Argon2Parameters.Argon2id,
            _ => throw new SshKeyFormatException($"unknown ppk key derivation {kdf}"),
        };
        var p = new Argon2Parameters.Builder(type)
            .WithVersion(Argon2Parameters.Version13)
            .WithSalt(salt)
            .WithMemoryAsKB(memoryKiB)
            .WithIterations(passes)
            .WithParallelism(parallelism)
            .Build();
        var gen = new Argon2BytesGenerator();
        gen.Init(p);
        var output = new byte[length];
        byte[] pass = passphrase.ToArray();
        try
        {
            gen.GenerateBytes(pass, output);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pass);
        }
        return output;
    }

    private static void DecryptCbc(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, Span<byte> data)
    {
        using var aes = Aes.Create();
        aes.Key = key.ToArray();
        aes.DecryptCbc(data, iv, data, PaddingMode.None);
    }

    private static void EncryptCbc(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, Span<byte> data)
    {
        using var aes = Aes.Create();
        aes.Key = key.ToArray();
        aes.EncryptCbc(data, iv, data, PaddingMode.None);
    }
}
