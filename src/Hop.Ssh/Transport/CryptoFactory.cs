using System.Security.Cryptography;
using Hop.Ssh.Crypto;

namespace Hop.Ssh.Transport;

/// <summary>The transport's narrow view of the algorithm tables in <see cref="Hop.Ssh.Crypto"/>.</summary>
internal static class CryptoFactory
{
    public static IPacketProtector None() => CipherAlgorithms.CreateNone();

    public static bool IsAead(string cipher) => CipherAlgorithms.Get(cipher).IsAead;

    public static int CipherKeyBits(string cipher)
    {
        var c = CipherAlgorithms.Get(cipher);
        // chacha20-poly1305 derives 64 bytes: two 256-bit keys.
        return c.Name == CipherAlgorithms.ChaCha20Poly1305.Name ? 256 : c.KeySize * 8;
    }

    public static string HostKeyTypeFor(string algorithm) => HostKeyAlgorithms.Get(algorithm).KeyType;

    public static bool IsGroupExchange(string kex) => KexAlgorithms.Get(kex).IsGroupExchange;

    public static IKeyExchange CreateKeyExchange(string kex) => KexAlgorithms.Get(kex).Create();

    public static IKeyExchange CreateGroupExchange(string kex, byte[] prime, byte[] generator) =>
        DiffieHellmanGroupExchange.Create(prime, generator);

    /// <summary>Creates one direction's protector, deriving only the key material the algorithms need.</summary>
    public static IPacketProtector CreateProtector(string cipherName, string? macName, bool encrypt,
        Func<int, byte[]> deriveIv, Func<int, byte[]> deriveKey, Func<int, byte[]> deriveMacKey)
    {
        _ = encrypt;
        var cipher = CipherAlgorithms.Get(cipherName);
        var mac = cipher.IsAead || macName is null ? null : MacAlgorithms.Get(macName);
        byte[] iv = cipher.IvSize > 0 ? deriveIv(cipher.IvSize) : [];
        byte[] key = deriveKey(cipher.KeySize);
        byte[] macKey = mac is not null ? deriveMacKey(mac.KeySize) : [];
        try
        {
            return cipher.Create(key, iv, mac, macKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(iv);
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(macKey);
        }
    }
}
