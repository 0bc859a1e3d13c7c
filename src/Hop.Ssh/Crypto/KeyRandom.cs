namespace Hop.Ssh.Crypto;

/// <summary>
/// Random bytes for new keys and key files: libsodium's randombytes (getrandom(2) on Linux, the
/// system's CSPRNG elsewhere), through Geralt. The BCL's RandomNumberGenerator draws from OpenSSL
/// on Linux, and loading and initialising OpenSSL was a third of `hop keygen -t ed25519`'s time
/// (about 3 ms of 9), where nothing else in that command needs it.
/// </summary>
public static class KeyRandom
{
    /// <summary>Fills <paramref name="buffer"/> with cryptographically secure random bytes.</summary>
    public static void Fill(Span<byte> buffer) => Geralt.SecureRandom.Fill(buffer);

    /// <summary>A random 32-bit value (the check words of an openssh-key-v1 file).</summary>
    public static uint NextUInt32()
    {
        Span<byte> bytes = stackalloc byte[4];
        Fill(bytes);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes);
    }
}
