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

    /// <summary>
    /// Fills <paramref name="output"/> (1..1024 bytes) from the passphrase and salt. The output's
    /// 32-byte blocks are independent of each other (as in PBKDF2), so they are derived on as many
    /// cores as there are blocks: an openssh-key-v1 file's AES-256 key and IV are 48 bytes, two
    /// blocks, and open in about half the time OpenSSH takes for them one after the other.
    /// </summary>
    public static void DeriveKey(ReadOnlySpan<byte> passphrase, ReadOnlySpan<byte> salt, int rounds, Span<byte> output)
    {
        if (rounds < 1) throw new SshKeyFormatException("bcrypt_pbkdf: rounds must be at least 1");
        if (passphrase.IsEmpty || salt.IsEmpty) throw new SshKeyFormatException("bcrypt_pbkdf: empty passphrase or salt");
        if (output.IsEmpty || output.Length > HashLength * HashLength) throw new SshKeyFormatException("bcrypt_pbkdf: invalid key length");
        if (salt.Length > 1 << 20) throw new SshKeyFormatException("bcrypt_pbkdf: salt too long");

        int keyLength = output.Length;
        // Block b fills the output positions b, b + blocks, b + 2·blocks, ... (bcrypt_pbkdf calls the
        // number of blocks its stride).
        int blocks = (keyLength + HashLength - 1) / HashLength;
        byte[] sha2pass = new byte[64];
        byte[] saltCopy = salt.ToArray();
        byte[] derived = new byte[blocks * HashLength];
        try
        {
            SHA512.HashData(passphrase, sha2pass);
            void Derive(int b) => DeriveBlock(sha2pass, saltCopy, (uint)(b + 1), rounds, derived.AsSpan(b * HashLength, HashLength));
            if (blocks == 1 || Environment.ProcessorCount == 1)
            {
                for (int b = 0; b < blocks; b++) Derive(b);
            }
            else
            {
                Parallel.For(0, blocks, Derive);
            }
            for (int b = 0; b < blocks; b++)
            {
                for (int w = 0, dest = b; dest < keyLength; w++, dest += blocks) output[dest] = derived[b * HashLength + w];
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sha2pass);
            CryptographicOperations.ZeroMemory(derived);
        }
    }

    /// <summary>One 32-byte output block: bcrypt_hash of the passphrase digest and SHA-512(salt ‖ count), iterated <paramref name="rounds"/> times and XORed together.</summary>
    private static void DeriveBlock(byte[] sha2pass, byte[] salt, uint count, int rounds, Span<byte> block)
    {
        Span<byte> sha2salt = stackalloc byte[64];
        Span<byte> tmp = stackalloc byte[HashLength];
        Span<byte> countBytes = stackalloc byte[4];
        var state = new EksBlowfish();
        try
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
        }
        finally
        {
            state.Clear();
            CryptographicOperations.ZeroMemory(sha2salt);
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
