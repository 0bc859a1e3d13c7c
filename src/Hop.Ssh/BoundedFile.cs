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

    public static byte[] ReadAllBytes(string path, int maxBytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
        if (stream.CanSeek && stream.Length > maxBytes) throw TooLarge(path, maxBytes);
        var content = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        int got;
        while ((got = stream.Read(chunk)) > 0)
        {
            if (content.Length + got > maxBytes) throw TooLarge(path, maxBytes);
            content.Write(chunk, 0, got);
        }
        return content.ToArray();
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
