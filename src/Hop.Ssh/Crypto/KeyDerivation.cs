using System.Security.Cryptography;

namespace Hop.Ssh.Crypto;

/// <summary>
/// Key derivation of RFC 4253 §7.2: K1 = HASH(K || H || letter || session_id),
/// Kn = HASH(K || H || K1 || ... || K(n-1)), the key being the first bytes of K1 || K2 || ...
/// Letters: 'A' IV client→server, 'B' IV server→client, 'C'/'D' encryption keys, 'E'/'F' MAC keys.
/// </summary>
public static class KeyDerivation
{
    /// <summary>Derives <paramref name="length"/> bytes.</summary>
    /// <param name="hash">The key exchange's hash.</param>
    /// <param name="encodedK">K as the exchange hash took it (mpint or string, length prefix included).</param>
    /// <param name="exchangeHash">H of this exchange.</param>
    /// <param name="letter">'A' to 'F'.</param>
    /// <param name="sessionId">H of the first exchange of the connection.</param>
    /// <param name="length">Bytes wanted.</param>
    public static byte[] Derive(HashAlgorithmName hash, ReadOnlySpan<byte> encodedK, ReadOnlySpan<byte> exchangeHash, char letter, ReadOnlySpan<byte> sessionId, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (letter is < 'A' or > 'F') throw new ArgumentOutOfRangeException(nameof(letter), "key letters run from 'A' to 'F'");
        var output = new byte[length];
        if (length == 0) return output;
        using var h = IncrementalHash.CreateHash(hash);
        int hashLength = h.HashLengthInBytes;
        // K1 || K2 || ... is built in a scratch buffer rounded up to whole digests, then truncated.
        var stream = new byte[(length + hashLength - 1) / hashLength * hashLength];
        try
        {
            Span<byte> letterByte = [(byte)letter];
            h.AppendData(encodedK);
            h.AppendData(exchangeHash);
            h.AppendData(letterByte);
            h.AppendData(sessionId);
            h.GetHashAndReset(stream.AsSpan(0, hashLength));
            for (int have = hashLength; have < stream.Length; have += hashLength)
            {
                h.AppendData(encodedK);
                h.AppendData(exchangeHash);
                h.AppendData(stream.AsSpan(0, have));
                h.GetHashAndReset(stream.AsSpan(have, hashLength));
            }
            stream.AsSpan(0, length).CopyTo(output);
            return output;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(stream);
        }
    }
}
