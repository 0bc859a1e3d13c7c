using System.Runtime.InteropServices;

namespace Hop.Ssh.Crypto;

/// <summary>
/// Random bytes for new keys and key files, from the operating system's CSPRNG: on Linux the kernel's
/// getrandom(2) called directly, elsewhere libsodium's randombytes (the system's CSPRNG) through Geralt.
/// The BCL's RandomNumberGenerator draws from OpenSSL on Linux, and loading and initialising OpenSSL was
/// a third of `hop keygen -t ed25519`'s time (about 3 ms of 9); loading libsodium only to reach the
/// getrandom(2) it calls on Linux was a quarter of a millisecond of `hop keygen -t ecdsa`, which needs
/// libsodium for nothing else.
/// </summary>
public static partial class KeyRandom
{
    private const int Eintr = 4;
    private const int Enosys = 38;

    /// <summary>Fills <paramref name="buffer"/> with cryptographically secure random bytes.</summary>
    public static void Fill(Span<byte> buffer)
    {
        if (!OperatingSystem.IsLinux() || !TryGetRandom(buffer)) Geralt.SecureRandom.Fill(buffer);
    }

    /// <summary>A random 32-bit value (the check words of an openssh-key-v1 file).</summary>
    public static uint NextUInt32()
    {
        Span<byte> bytes = stackalloc byte[4];
        Fill(bytes);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes);
    }

    /// <summary>
    /// getrandom(2) with no flags: blocks only until the kernel's pool is first seeded, then never;
    /// a call may return fewer bytes than asked (over 256 at a time) or be interrupted, so it loops.
    /// False only on a kernel without the call (before 3.17), where libsodium's fallback is used.
    /// </summary>
    private static unsafe bool TryGetRandom(Span<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            int done = 0;
            while (done < buffer.Length)
            {
                nint n = getrandom(start + done, (nuint)(buffer.Length - done), 0);
                if (n > 0)
                {
                    done += (int)n;
                    continue;
                }
                int errno = Marshal.GetLastPInvokeError();
                if (n < 0 && errno == Eintr) continue;
                if (n < 0 && errno == Enosys && done == 0) return false;
                throw new System.Security.Cryptography.CryptographicException($"getrandom failed (errno {errno})");
            }
        }
        return true;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint getrandom(byte* buffer, nuint length, uint flags);
}
