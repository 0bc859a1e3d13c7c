using System.Text;

namespace Hop.Ssh.Config;

/// <summary>Rewrites files the safe way: a temp file in the same folder, the old mode, then rename.</summary>
internal static class AtomicFile
{
    private const UnixFileMode NewFileMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Appends text (after a newline if the file does not end with one).</summary>
    public static void Append(string path, string text)
    {
        path = ResolveLinks(path);
        if (LocalAccount.IsSpecialFile(path))
        {
            // UserKnownHostsFile=/dev/null (a common way to keep no record): write through, as
            // OpenSSH does. A rename over it would replace the device with a regular file.
            using var device = new FileStream(path, FileMode.Open, FileAccess.Write);
            device.Write(Encoding.UTF8.GetBytes(text));
            return;
        }
        // Read, add, rename over: two appends at once in this process (`hop run` learning the keys
        // of many hosts) would each keep only their own line, so they take turns.
        lock (AppendGate)
        {
            byte[] old = File.Exists(path) ? File.ReadAllBytes(path) : [];
            var bytes = new List<byte>(old.Length + text.Length + 1);
            bytes.AddRange(old);
            if (old.Length > 0 && old[^1] != (byte)'\n') bytes.Add((byte)'\n');
            bytes.AddRange(Encoding.UTF8.GetBytes(text));
            Write(path, [.. bytes], oldCopy: null);
        }
    }

    private static readonly Lock AppendGate = new();

    /// <summary>Replaces a file's content; with <paramref name="oldCopy"/> the previous content is kept there first.</summary>
    public static void Write(string path, byte[] content, string? oldCopy)
    {
        path = ResolveLinks(path);
        string dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        if (!Directory.Exists(dir))
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(dir);
            else Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        bool exists = File.Exists(path);
        if (exists && LocalAccount.IsSpecialFile(path))
        {
            // UserKnownHostsFile=/dev/null and the like: write through, as OpenSSH's append does; a rename would replace the device.
            using var device = new FileStream(path, FileMode.Open, FileAccess.Write);
            device.Write(content);
            return;
        }
        UnixFileMode mode = NewFileMode;
        if (exists && !OperatingSystem.IsWindows()) mode = File.GetUnixFileMode(path);
        string temp = Path.Combine(dir, Path.GetFileName(path) + "." + Path.GetRandomFileName().Replace(".", "", StringComparison.Ordinal));
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var fs = new FileStream(temp, options))
            {
                fs.Write(content);
                fs.Flush(flushToDisk: true);
            }
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, mode);
            if (oldCopy is not null && exists) File.Copy(path, oldCopy, overwrite: true);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    private static string ResolveLinks(string path)
    {
        var info = new FileInfo(path);
        return info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileSystemInfo target ? target.FullName : path;
    }
}
