using System.Security.Cryptography;
using System.Text;

namespace Hop.Ssh;

/// <summary>
/// Reads a whole file with a bound on its size, also when it has no length to check first (a pipe,
/// /dev/zero, /dev/stdin): past the bound it is an <see cref="IOException"/> naming the file, not a
/// read without end or an out-of-memory crash.
/// </summary>
public static class BoundedFile
{
    /// <summary>The bound for key and certificate files: far above any real one (an RSA 16384 key is 12 KB).</summary>
    public const int KeyFileBytes = 1024 * 1024;

    /// <summary>
    /// The file's bytes in one array and no other copy left behind (a private key's caller zeroes the
    /// array it gets): a file with a length is read into an array of that size, as File.ReadAllBytes
    /// does; one without grows its buffer, zeroing each one it leaves.
    /// </summary>
    public static byte[] ReadAllBytes(string path, int maxBytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
        long length = stream.CanSeek ? stream.Length : 0;
        if (length > maxBytes) throw TooLarge(path, maxBytes);
        // One byte more than a known length, so that a file that grew meanwhile is seen growing.
        byte[] buffer = new byte[length > 0 ? length + 1 : 4096];
        int count = 0;
        int got;
        while ((got = stream.Read(buffer, count, buffer.Length - count)) > 0)
        {
            count += got;
            if (count > maxBytes)
            {
                CryptographicOperations.ZeroMemory(buffer);
                throw TooLarge(path, maxBytes);
            }
            if (count < buffer.Length) continue;
            byte[] larger = new byte[Math.Min((long)buffer.Length * 2, maxBytes + 1L)];
            buffer.CopyTo(larger, 0);
            CryptographicOperations.ZeroMemory(buffer);
            buffer = larger;
        }
        byte[] content = buffer[..count];
        CryptographicOperations.ZeroMemory(buffer);
        return content;
    }

    /// <summary>As <see cref="File.ReadAllText(string)"/>: UTF-8 unless a byte-order mark says otherwise.</summary>
    public static string ReadAllText(string path, int maxBytes)
    {
        using var reader = new StreamReader(new MemoryStream(ReadAllBytes(path, maxBytes)), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    private static IOException TooLarge(string path, int maxBytes) =>
        new($"{path}: larger than {(maxBytes >= 1024 * 1024 ? $"{maxBytes / (1024 * 1024)} MiB" : $"{maxBytes} bytes")}");
}
