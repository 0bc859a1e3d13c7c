using System.Text;

namespace Hop.Ssh.Keys.Formats;

/// <summary>Writes key files atomically (temporary file in the same folder, then rename) with their modes.</summary>
public static class KeyFileStore
{
    /// <summary>0600, for private keys.</summary>
    public const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>0644, for public keys.</summary>
    public const UnixFileMode PublicMode = PrivateMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>0700, for ~/.ssh.</summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="path"/>: either the whole new file or the old
    /// one stays. A file that replaces another is flushed to disk before the rename, so that a crash
    /// leaves the old key or the new one, never an empty file in its place. A file where there was none
    /// is not (ssh-keygen flushes neither): a crash may leave it missing or empty, but nothing that was
    /// there before is lost, and that flush was a tenth of `hop keygen`'s time.
    /// </summary>
    public static void WriteAtomically(string path, string content, UnixFileMode mode)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(content);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? ".";
        bool replaces = File.Exists(full);
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = Create(temp, mode))
            {
                byte[] bytes = Encoding.UTF8.GetBytes(content);
                fs.Write(bytes);
                fs.Flush(flushToDisk: replaces);
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(bytes);
            }
            // The umask may have narrowed the mode; public keys must still be 0644.
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, mode);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>
    /// A new file, created with its mode; on Windows a private key's (<paramref name="mode"/> without
    /// group and other bits) is created with an access list that keeps everyone else out instead.
    /// </summary>
    private static FileStream Create(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows() && (mode & ~PrivateMode) == 0) return WindowsFileSecurity.CreatePrivate(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = mode;
        return new FileStream(path, options);
    }

    /// <summary>Creates the folder with mode 0700 if it is missing; true when it was created.</summary>
    public static bool EnsurePrivateDirectory(string dir)
    {
        if (Directory.Exists(dir)) return false;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(dir);
        else Directory.CreateDirectory(dir, DirectoryMode);
        return true;
    }
}
