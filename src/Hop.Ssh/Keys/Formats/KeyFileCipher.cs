using System.Buffers.Binary;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace Hop.Ssh.Keys.Formats;

/// <summary>
/// The ciphers an openssh-key-v1 file may be encrypted with (OpenSSH cipher.c), used once over the
/// whole private section with sequence number 0. Primitives come from the BCL (AES) and
/// BouncyCastle (ChaCha20, Poly1305); the modes and the OpenSSH chacha20-poly1305 framing are ours.
/// </summary>
internal sealed class KeyFileCipher
{
    private enum Mode { None, Ctr, Cbc, Gcm, ChaChaPoly }

    private readonly Mode _mode;

    private KeyFileCipher(string name, Mode mode, int keyLength, int ivLength, int blockSize, int tagLength)
    {
        Name = name;
        _mode = mode;
        KeyLength = keyLength;
        IvLength = ivLength;
        BlockSize = blockSize;
        TagLength = tagLength;
    }

    public string Name { get; }
    public int KeyLength { get; }
    public int IvLength { get; }
    public int BlockSize { get; }
    public int TagLength { get; }

    public static readonly KeyFileCipher None = new("none", Mode.None, 0, 0, 8, 0);

    private static readonly KeyFileCipher[] All =
    [
        None,
        new("aes128-ctr", Mode.Ctr, 16, 16, 16, 0),
        new("aes192-ctr", Mode.Ctr, 24, 16, 16, 0),
        new("aes256-ctr", Mode.Ctr, 32, 16, 16, 0),
        new("aes128-cbc", Mode.Cbc, 16, 16, 16, 0),
        new("aes192-cbc", Mode.Cbc, 24, 16, 16, 0),
        new("aes256-cbc", Mode.Cbc, 32, 16, 16, 0),
        new("aes128-gcm@openssh.com", Mode.Gcm, 16, 12, 16, 16),
        new("aes256-gcm@openssh.com", Mode.Gcm, 32, 12, 16, 16),
        new("chacha20-poly1305@openssh.com", Mode.ChaChaPoly, 64, 0, 8, 16),
    ];

    public static KeyFileCipher ByName(string name) =>
        Array.Find(All, c => c.Name == name) ?? throw new SshKeyFormatException($"unknown cipher {name} in private key");

    /// <summary>Names accepted for writing (ssh-keygen -Z).</summary>
    public static IEnumerable<string> Names => All.Where(c => c._mode != Mode.None).Select(c => c.Name);

    /// <summary>Encrypts <paramref name="data"/> in place and fills <paramref name="tag"/> for AEAD ciphers.</summary>
    public void Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, Span<byte> data, Span<byte> tag)
    {
        switch (_mode)
        {
            case Mode.None: return;
            case Mode.Ctr: AesCtr(key, iv, data); return;
            case Mode.Cbc:
            {
                using var aes = Aes.Create();
                aes.Key = key.ToArray();
                aes.EncryptCbc(data, iv, data, PaddingMode.None);
                return;
            }
            case Mode.Gcm:
            {
                using var gcm = new AesGcm(key, TagLength);
                gcm.Encrypt(iv, data, data, tag);
                return;
            }
            default:
                ChaChaPoly(key, data, tag, encrypt: true);
                return;
        }
    }

    /// <summary>Decrypts in place; false when an AEAD tag does not verify.</summary>
    public bool Decrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, Span<byte> data, ReadOnlySpan<byte> tag)
    {
        switch (_mode)
        {
            case Mode.None: return true;
            case Mode.Ctr: AesCtr(key, iv, data); return true;
            case Mode.Cbc:
            {
                using var aes = Aes.Create();
                aes.Key = key.ToArray();
                aes.DecryptCbc(data, iv, data, PaddingMode.None);
                return true;
            }
            case Mode.Gcm:
            {
                using var gcm = new AesGcm(key, TagLength);
                try
                {
                    gcm.Decrypt(iv, data, tag, data);
                    return true;
                }
                catch (AuthenticationTagMismatchException)
                {
                    return false;
                }
            }
            default:
                Span<byte> copy = stackalloc byte[16];
                tag.CopyTo(copy);
                return ChaChaPoly(key, data, copy, encrypt: false);
        }
    }

    /// <summary>AES in counter mode with a 128-bit big-endian counter starting at the IV.</summary>
    private static void AesCtr(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, Span<byte> data)
    {
        int blocks = (data.Length + 15) / 16;
        var stream = new byte[blocks * 16];
        Span<byte> counter = stackalloc byte[16];
        iv.CopyTo(counter);
        for (int b = 0; b < blocks; b++)
        {
            counter.CopyTo(stream.AsSpan(b * 16));
            for (int i = 15; i >= 0 && ++counter[i] == 0; i--) { }
        }
        using var aes = Aes.Create();
        aes.Key = key.ToArray();
        aes.EncryptEcb(stream, stream, PaddingMode.None);
        for (int i = 0; i < data.Length; i++) data[i] ^= stream[i];
        CryptographicOperations.ZeroMemory(stream);
    }

    /// <summary>
    /// chacha20-poly1305@openssh.com (PROTOCOL.chacha20poly1305) with sequence number 0 and no length
    /// header: the Poly1305 key is the first 32 bytes of ChaCha20(K_main) block 0; the payload uses
    /// blocks from 1 on; the tag covers the ciphertext.
    /// </summary>
    private static bool ChaChaPoly(ReadOnlySpan<byte> key, Span<byte> data, Span<byte> tag, bool encrypt)
    {
        var engine = new ChaChaEngine(20);
        byte[] nonce = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(nonce, 0);
        engine.Init(true, new ParametersWithIV(new KeyParameter(key[..32]), nonce));
        Span<byte> block0 = stackalloc byte[64];
        block0.Clear();
        engine.ProcessBytes(block0, block0);
        var poly = new Poly1305();
        poly.Init(new KeyParameter(block0[..32]));
        CryptographicOperations.ZeroMemory(block0);
        Span<byte> mac = stackalloc byte[16];
        if (encrypt)
        {
            engine.ProcessBytes(data, data);
            poly.BlockUpdate(data);
            poly.DoFinal(mac);
            mac.CopyTo(tag);
            return true;
        }
        poly.BlockUpdate(data);
        poly.DoFinal(mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, tag)) return false;
        engine.ProcessBytes(data, data);
        return true;
    }
}
