using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Hop.Ssh.Keys.Formats;

/// <summary>
/// The "expensive key schedule" Blowfish state that bcrypt and bcrypt_pbkdf are built on
/// (Provos and Mazières, "A Future-Adaptable Password Scheme"; OpenBSD blf.c: Blowfish_initstate,
/// Blowfish_expandstate, Blowfish_expand0state, blf_enc).
/// </summary>
/// <remarks>
/// No library exposes a Blowfish state that can be re-keyed with a salt (BouncyCastle's BlowfishEngine
/// and BCrypt keep theirs private), so the state lives here. The initial state is, by Blowfish's
/// definition, the fractional hexadecimal digits of pi; we compute them once (Machin's formula over
/// BigInteger) rather than carry a table. The tests check this state and round function against
/// BouncyCastle's BlowfishEngine on random keys, so it is the same cipher as the library's.
/// </remarks>
internal sealed class EksBlowfish
{
    private const int PWords = 18;
    private const int StateWords = PWords + 4 * 256;
    private static readonly Lazy<uint[]> PiState = new(ComputePiWords);
    private readonly uint[] _state = new uint[StateWords];

    public EksBlowfish() => Reset();

    /// <summary>Blowfish_initstate: P and the four S-boxes from the digits of pi.</summary>
    public void Reset() => PiState.Value.CopyTo(_state, 0);

    /// <summary>Zeroes the state.</summary>
    public void Clear() => Array.Clear(_state);

    /// <summary>Blowfish_expandstate: key into P, then re-encrypt P and S with salt words mixed in.</summary>
    public void ExpandState(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> key)
    {
        XorKeyIntoP(key);
        int j = 0;
        uint l = 0, r = 0;
        var s = _state.AsSpan();
        for (int i = 0; i < StateWords; i += 2)
        {
            l ^= StreamToWord(salt, ref j);
            r ^= StreamToWord(salt, ref j);
            Encipher(ref l, ref r);
            s[i] = l;
            s[i + 1] = r;
        }
    }

    /// <summary>Blowfish_expand0state: key into P, then re-encrypt P and S from a zero block.</summary>
    public void Expand0State(ReadOnlySpan<byte> key)
    {
        XorKeyIntoP(key);
        uint l = 0, r = 0;
        var s = _state.AsSpan();
        for (int i = 0; i < StateWords; i += 2)
        {
            Encipher(ref l, ref r);
            s[i] = l;
            s[i + 1] = r;
        }
    }

    /// <summary>The classic Blowfish key schedule (used by the tests to compare with BouncyCastle).</summary>
    public void SetKey(ReadOnlySpan<byte> key)
    {
        Reset();
        Expand0State(key);
    }

    private void XorKeyIntoP(ReadOnlySpan<byte> key)
    {
        int j = 0;
        for (int i = 0; i < PWords; i++) _state[i] ^= StreamToWord(key, ref j);
    }

    /// <summary>Blowfish_stream2word: the next four bytes, big-endian, wrapping around the input.</summary>
    public static uint StreamToWord(ReadOnlySpan<byte> data, ref int j)
    {
        uint w = 0;
        for (int i = 0; i < 4; i++)
        {
            if (j >= data.Length) j = 0;
            w = (w << 8) | data[j++];
        }
        return w;
    }

    /// <summary>Encrypts one 64-bit block held as two words (blf_enc on one block).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Encipher(ref uint left, ref uint right)
    {
        ref uint p = ref _state[0];
        ref uint s0 = ref Unsafe.Add(ref p, PWords);
        ref uint s1 = ref Unsafe.Add(ref s0, 256);
        ref uint s2 = ref Unsafe.Add(ref s0, 512);
        ref uint s3 = ref Unsafe.Add(ref s0, 768);
        uint l = left, r = right;
        for (int i = 0; i < 16; i += 2)
        {
            l ^= Unsafe.Add(ref p, i);
            r ^= ((Unsafe.Add(ref s0, (int)(l >> 24)) + Unsafe.Add(ref s1, (int)((l >> 16) & 0xff))) ^ Unsafe.Add(ref s2, (int)((l >> 8) & 0xff))) + Unsafe.Add(ref s3, (int)(l & 0xff));
            r ^= Unsafe.Add(ref p, i + 1);
            l ^= ((Unsafe.Add(ref s0, (int)(r >> 24)) + Unsafe.Add(ref s1, (int)((r >> 16) & 0xff))) ^ Unsafe.Add(ref s2, (int)((r >> 8) & 0xff))) + Unsafe.Add(ref s3, (int)(r & 0xff));
        }
        left = r ^ Unsafe.Add(ref p, 17);
        right = l ^ Unsafe.Add(ref p, 16);
    }

    /// <summary>Encrypts 8-byte big-endian blocks in place (ECB), for the comparison with BouncyCastle.</summary>
    public void EncryptBlock(Span<byte> block)
    {
        uint l = BinaryPrimitives.ReadUInt32BigEndian(block);
        uint r = BinaryPrimitives.ReadUInt32BigEndian(block[4..]);
        Encipher(ref l, ref r);
        BinaryPrimitives.WriteUInt32BigEndian(block, l);
        BinaryPrimitives.WriteUInt32BigEndian(block[4..], r);
    }

    /// <summary>The first 1042 32-bit words of the fraction of pi: pi = 16·atan(1/5) − 4·atan(1/239).</summary>
    private static uint[] ComputePiWords()
    {
        const int bits = StateWords * 32;
        const int guard = 64;
        BigInteger one = BigInteger.One << (bits + guard);
        BigInteger pi = 16 * ArcTanInverse(5, one) - 4 * ArcTanInverse(239, one);
        // Drop the integer part (3) and the guard bits.
        pi -= 3 * one;
        pi >>= guard;
        var words = new uint[StateWords];
        var mask = new BigInteger(uint.MaxValue);
        for (int i = StateWords - 1; i >= 0; i--)
        {
            words[i] = (uint)(pi & mask);
            pi >>= 32;
        }
        return words;
    }

    /// <summary>atan(1/x) scaled by <paramref name="one"/> (Gregory series).</summary>
    private static BigInteger ArcTanInverse(int x, BigInteger one)
    {
        BigInteger x2 = x * x;
        BigInteger term = one / x;
        BigInteger sum = term;
        for (int k = 1; !term.IsZero; k++)
        {
            term /= x2;
            BigInteger t = term / (2 * k + 1);
            sum = (k & 1) == 1 ? sum - t : sum + t;
        }
        return sum;
    }
}
