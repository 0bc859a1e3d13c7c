using System.Security.Cryptography;
using System.Text;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Keys.Formats;

/// <summary>
/// The openssh-key-v1 private key file (OpenSSH PROTOCOL.key), armoured as "OPENSSH PRIVATE KEY":
/// <code>
/// byte[]  "openssh-key-v1\0"
/// string  ciphername            ("none", "aes256-ctr", ...)
/// string  kdfname               ("none" or "bcrypt")
/// string  kdfoptions            (bcrypt: string salt, uint32 rounds)
/// uint32  number of keys N      (1)
/// string  publickey
/// string  encrypted private section:
///           uint32 checkint, uint32 checkint, privatekey (see OpenSshPrivateKeyBody), string comment,
///           padding 1, 2, 3, ... to the cipher's block size
/// byte[]  authentication tag    (AEAD ciphers only, outside the string)
/// </code>
/// </summary>
internal sealed class OpenSshKeyV1 : EncodedPrivateKey
{
    public const string Label = "OPENSSH PRIVATE KEY";
    public const string DefaultCipher = "aes256-ctr";
    public const int DefaultRounds = 24;
    private const int MaxRounds = 1 << 20;
    private static readonly byte[] AuthMagic = "openssh-key-v1\0"u8.ToArray();

    private readonly KeyFileCipher _cipher;
    private readonly byte[] _salt;
    private readonly int _rounds;
    private readonly byte[] _encrypted;
    private readonly byte[] _tag;
    private readonly SshPublicKey _publicKey;

    private OpenSshKeyV1(KeyFileCipher cipher, byte[] salt, int rounds, SshPublicKey publicKey, byte[] encrypted, byte[] tag)
    {
        _cipher = cipher;
        _salt = salt;
        _rounds = rounds;
        _publicKey = publicKey;
        _encrypted = encrypted;
        _tag = tag;
    }

    public override PrivateKeyFormat Format => PrivateKeyFormat.OpenSsh;
    public override bool IsEncrypted => _cipher != KeyFileCipher.None;
    public override SshPublicKey? PublicKey => _publicKey;
    /// <summary>The comment: readable at once when the private section is not encrypted, else "".</summary>
    public override string Comment => _comment ??= ReadPlainComment();

    private string? _comment;

    private string ReadPlainComment()
    {
        if (IsEncrypted) return "";
        try
        {
            using var key = Decrypt(default);
            return key.Comment;
        }
        catch (SshKeyFormatException)
        {
            return "";
        }
    }
    public string CipherName => _cipher.Name;
    public int Rounds => _rounds;
    internal override long KdfCost => _rounds;

    public static OpenSshKeyV1 Parse(ReadOnlySpan<byte> data)
    {
        try
        {
            if (!data.StartsWith(AuthMagic)) throw new SshKeyFormatException("invalid format (no openssh-key-v1 magic)");
            var r = new SshReader(data[AuthMagic.Length..]);
            string cipherName = r.ReadName();
            string kdfName = r.ReadName();
            var kdfOptions = r.ReadString(1024);
            uint count = r.ReadUInt32();
            if (count != 1) throw new SshKeyFormatException($"invalid format ({count} keys in one file)");
            var pub = SshPublicKey.FromBlob(r.ReadString(64 * 1024));
            var cipher = KeyFileCipher.ByName(cipherName);
            var encrypted = r.ReadString(1024 * 1024);
            var tag = r.ReadBytes(cipher.TagLength);
            r.EnsureEnd();
            if (encrypted.Length == 0 || encrypted.Length % cipher.BlockSize != 0)
                throw new SshKeyFormatException("invalid format (private section is not a whole number of blocks)");
            byte[] salt = [];
            int rounds = 0;
            if (kdfName == "bcrypt")
            {
                if (cipher == KeyFileCipher.None) throw new SshKeyFormatException("invalid format (kdf without cipher)");
                var k = new SshReader(kdfOptions);
                salt = k.ReadString(1024).ToArray();
                uint rr = k.ReadUInt32();
                k.EnsureEnd();
                if (salt.Length == 0) throw new SshKeyFormatException("invalid format (empty bcrypt salt)");
                if (rr == 0 || rr > MaxRounds) throw new SshKeyFormatException($"invalid format (bcrypt rounds {rr})");
                rounds = (int)rr;
            }
            else if (kdfName == "none")
            {
                if (cipher != KeyFileCipher.None) throw new SshKeyFormatException("invalid format (cipher without kdf)");
                if (kdfOptions.Length != 0) throw new SshKeyFormatException("invalid format (options for kdf none)");
            }
            else
            {
                throw new SshKeyFormatException($"unknown kdf {kdfName}");
            }
            return new OpenSshKeyV1(cipher, salt, rounds, pub, encrypted.ToArray(), tag.ToArray());
        }
        catch (SshProtocolException e)
        {
            throw new SshKeyFormatException("invalid format (" + e.Message + ")", e);
        }
    }

    public override SshPrivateKey Decrypt(ReadOnlySpan<byte> passphrase)
    {
        var plain = (byte[])_encrypted.Clone();
        try
        {
            if (IsEncrypted)
            {
                if (passphrase.IsEmpty) throw WrongPassphrase();
                var keyIv = new byte[_cipher.KeyLength + _cipher.IvLength];
                try
                {
                    BcryptPbkdf.DeriveKey(passphrase, _salt, _rounds, keyIv);
                    if (!_cipher.Decrypt(keyIv.AsSpan(0, _cipher.KeyLength), keyIv.AsSpan(_cipher.KeyLength), plain, _tag))
                        throw WrongPassphrase();
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(keyIv);
                }
            }
            return ReadPrivateSection(plain);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    private SshPrivateKey ReadPrivateSection(ReadOnlySpan<byte> plain)
    {
        SshPrivateKey? key = null;
        try
        {
            var r = new SshReader(plain);
            uint c1 = r.ReadUInt32();
            uint c2 = r.ReadUInt32();
            if (c1 != c2)
            {
                if (IsEncrypted) throw WrongPassphrase();
                throw new SshKeyFormatException("invalid format (check bytes differ)");
            }
            key = OpenSshPrivateKeyBody.Read(ref r);
            key.Comment = r.ReadUtf8(64 * 1024);
            var pad = r.RemainingSpan;
            if (pad.Length >= _cipher.BlockSize) throw new SshKeyFormatException("invalid format (too much padding)");
            for (int i = 0; i < pad.Length; i++)
            {
                if (pad[i] != (byte)(i + 1)) throw new SshKeyFormatException("invalid format (bad padding)");
            }
            if (!key.PublicKey.Equals(_publicKey)) throw new SshKeyFormatException("invalid format (private key does not match the public key)");
            var result = key;
            key = null;
            return result;
        }
        catch (SshProtocolException e)
        {
            throw new SshKeyFormatException("invalid format (" + e.Message + ")", e);
        }
        finally
        {
            key?.Dispose();
        }
    }

    private static SshPassphraseException WrongPassphrase() => new(PrivateKeyFile.IncorrectPassphrase);

    /// <summary>Serialises a key as an armoured openssh-key-v1 file; encrypted when the passphrase is not empty.</summary>
    public static string Write(SshPrivateKey key, string comment, ReadOnlySpan<byte> passphrase,
        string cipherName = DefaultCipher, int rounds = DefaultRounds)
    {
        var cipher = passphrase.IsEmpty ? KeyFileCipher.None : KeyFileCipher.ByName(cipherName);
        if (rounds < 1) throw new SshKeyFormatException("bcrypt rounds must be at least 1");
        using var section = new SshBuffer(1024);
        var sw = section.Writer;
        uint check = Crypto.KeyRandom.NextUInt32();
        sw.WriteUInt32(check);
        sw.WriteUInt32(check);
        OpenSshPrivateKeyBody.Write(ref sw, key);
        sw.WriteString(comment);
        for (byte i = 1; section.Length % cipher.BlockSize != 0; i++) sw.WriteByte(i);

        var encrypted = section.ToArray();
        var tag = new byte[cipher.TagLength];
        var salt = Array.Empty<byte>();
        try
        {
            if (cipher != KeyFileCipher.None)
            {
                salt = new byte[16];
                Crypto.KeyRandom.Fill(salt);
                var keyIv = new byte[cipher.KeyLength + cipher.IvLength];
                try
                {
                    BcryptPbkdf.DeriveKey(passphrase, salt, rounds, keyIv);
                    cipher.Encrypt(keyIv.AsSpan(0, cipher.KeyLength), keyIv.AsSpan(cipher.KeyLength), encrypted, tag);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(keyIv);
                }
            }
            using var file = new SshBuffer(encrypted.Length + 512);
            var w = file.Writer;
            w.WriteRaw(AuthMagic);
            w.WriteString(cipher.Name);
            if (cipher == KeyFileCipher.None)
            {
                w.WriteString("none");
                w.WriteString(ReadOnlySpan<byte>.Empty);
            }
            else
            {
                w.WriteString("bcrypt");
                using var opts = new SshBuffer(64);
                var ow = opts.Writer;
                ow.WriteString(salt);
                ow.WriteUInt32((uint)rounds);
                w.WriteString(opts.WrittenSpan);
            }
            w.WriteUInt32(1);
            w.WriteString(key.PublicKey.Blob);
            w.WriteString(encrypted);
            w.WriteRaw(tag);
            return PemBlock.Write(Label, file.WrittenSpan, 70);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(encrypted);
        }
    }

    internal static byte[] Utf8(ReadOnlySpan<char> s)
    {
        var b = new byte[Encoding.UTF8.GetByteCount(s)];
        Encoding.UTF8.GetBytes(s, b);
        return b;
    }
}
