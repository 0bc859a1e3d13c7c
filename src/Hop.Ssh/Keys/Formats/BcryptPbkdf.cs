using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Hop.Ssh.Keys.Formats;

/// <summary>
/// bcrypt_pbkdf, the key derivation of openssh-key-v1 files (OpenBSD bcrypt_pbkdf.c): a PBKDF2-like
/// construction whose PRF is bcrypt_hash over SHA-512 digests of the passphrase and salt, with the
/// output bytes spread across the blocks ("stride") so every byte costs all the rounds.
/// </summary>
public static class BcryptPbkdf
{
    private const int HashLength = 32;
    private static readonly byte[] Magic = "OxychromaticBlowfishSwatDynamite"u8.ToArray();

    /// <summary>Fills <paramref name="output"/> (1..1024 bytes) from the passphrase and salt.</summary>
    public static void DeriveKey(ReadOnlySpan<byte> passphrase, ReadOnlySpan<byte> salt, int rounds, Span<byte> output)
    {
        if (rounds < 1) throw new SshKeyFormatException("bcrypt_pbkdf: rounds must be at least 1");
        if (passphrase.IsEmpty || salt.IsEmpty) throw new SshKeyFormatException("bcrypt_pbkdf: empty passphrase or salt");
        if (output.IsEmpty || output.Length > HashLength * HashLength) throw new SshKeyFormatException("bcrypt_pbkdf: invalid key length");
        if (salt.Length > 1 << 20) throw new SshKeyFormatException("bcrypt_pbkdf: salt too long");

        int keyLength = output.Length;
        int stride = (keyLength + HashLength - 1) / HashLength;
        int amount = (keyLength + stride - 1) / stride;

        Span<byte> sha2pass = stackalloc byte[64];
        Span<byte> sha2salt = stackalloc byte[64];
        Span<byte> block = stackalloc byte[HashLength];
        Span<byte> tmp = stackalloc byte[HashLength];
        Span<byte> countBytes = stackalloc byte[4];
        var state = new EksBlowfish();
        try
        {
            SHA512.HashData(passphrase, sha2pass);
            int remaining = keyLength;
            for (uint count = 1; remaining > 0; count++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(countBytes, count);
                using (var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA512))
                {
                    h.AppendData(salt);
                    h.AppendData(countBytes);
                    h.GetHashAndReset(sha2salt);
                }
                BcryptHash(state, sha2pass, sha2salt, tmp);
                tmp.CopyTo(block);
                for (int i = 1; i < rounds; i++)
                {
                    SHA512.HashData(tmp, sha2salt);
                    BcryptHash(state, sha2pass, sha2salt, tmp);
                    for (int k = 0; k < HashLength; k++) block[k] ^= tmp[k];
                }
                int take = Math.Min(amount, remaining);
                int written = 0;
                for (; written < take; written++)
                {
                    int dest = written * stride + (int)(count - 1);
                    if (dest >= keyLength) break;
                    output[dest] = block[written];
                }
                remaining -= written;
            }
        }
        finally
        {
            state.Clear();
            CryptographicOperations.ZeroMemory(sha2pass);
            CryptographicOperations.ZeroMemory(sha2salt);
            CryptographicOperations.ZeroMemory(block);
            CryptographicOperations.ZeroMemory(tmp);
        }
    }

    /// <summary>bcrypt_hash: 64 rounds of the expensive key schedule, then the magic text encrypted 64 times.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void BcryptHash(EksBlowfish state, ReadOnlySpan<byte> sha2pass, ReadOnlySpan<byte> sha2salt, Span<byte> output)
    {
        state.Reset();
        state.ExpandState(sha2salt, sha2pass);
        for (int i = 0; i < 64; i++)
        {
            state.Expand0State(sha2salt);
            state.Expand0State(sha2pass);
        }
        Span<uint> words = stackalloc uint[HashLength / 4];
        int j = 0;
        for (int i = 0; i < words.Length; i++) words[i] = EksBlowfish.StreamToWord(Magic, ref j);
        for (int n = 0; n < 64; n++)
        {
            for (int i = 0; i < words.Length; i += 2) state.Encipher(ref words[i], ref words[i + 1]);
        }
        // The output words are stored little-endian (as OpenBSD's bcrypt_hash does).
        for (int i = 0; i < words.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(output[(4 * i)..], words[i]);
        words.Clear();
    }
}
