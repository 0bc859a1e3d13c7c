using Hop.Cli.Terminal;
using Hop.Ssh;
using Hop.Ssh.Sftp;

namespace Hop.Cli.Commands;

/// <summary>A failed sftp/scp step, with OpenSSH's wording for it.</summary>
internal sealed class TransferException(string message) : Exception(message);

/// <summary>
/// Whole-file and recursive copies between the local disk and an <see cref="SftpClient"/>, shared by
/// `hop sftp` (get/put) and `hop scp`. Recursive copies move several files at once: with many small
/// files the round trips overlap instead of adding up.
/// </summary>
internal sealed class SftpTransfers(SftpClient sftp, bool preserve)
{
    private const int ParallelFiles = 8;

    /// <summary>Downloads one regular file; <paramref name="attributes"/> (from a listing or a stat) spare a STAT.</summary>
    public async Task DownloadFileAsync(string remote, SftpAttributes attributes, string local, CancellationToken ct = default)
    {
        var mode = (UnixFileMode)((attributes.Permissions ?? 0x1A4) & 0x1FF) | UnixFileMode.UserWrite;
        FileStream file;
        try
        {
            // O_CREAT, then truncated only when there is something to cut: FileMode.Create truncates
            // even a new, empty file, and ext4 takes a truncate to 0 as "replace this file" and
            // writes the whole file back to disk on close (auto_da_alloc): a 1 GiB download stalled
            // there for a tenth of its time. sftp's open(O_CREAT|O_TRUNC) does not truncate a new file.
            var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.Write, Share = FileShare.Read, BufferSize = 0 };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = mode;
            file = new FileStream(local, options);
            try
            {
                if (file.CanSeek && file.Length > 0) file.SetLength(0);
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TransferException($"Couldn't open local file \"{local}\" for writing: {Describe(e)}");
        }
        await using (file.ConfigureAwait(false))
        {
            try
            {
                await sftp.DownloadAsync(remote, attributes, new SynchronousWriteStream(file), null, ct).ConfigureAwait(false);
            }
            catch (SftpException e)
            {
                throw new TransferException($"remote open \"{remote}\": {e.Message}");
            }
        }
        if (preserve) ApplyLocal(local, attributes);
    }

    /// <summary>Uploads one regular file, created with the local file's permissions; with -p also its times.</summary>
    public async Task UploadFileAsync(string local, string remote, CancellationToken ct = default)
    {
        FileStream file;
        try
        {
            file = new FileStream(local, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite, BufferSize = 0 });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TransferException($"open local \"{local}\": {Describe(e)}");
        }
        await using (file.ConfigureAwait(false))
        {
            uint perms = OperatingSystem.IsWindows() ? 0x1A4u : (uint)File.GetUnixFileMode(file.SafeFileHandle) & 0x1FF;
            var info = new FileInfo(local);
            SftpAttributes? final = preserve
                ? new SftpAttributes { Permissions = perms, AccessTime = Seconds(info.LastAccessTimeUtc), ModifyTime = Seconds(info.LastWriteTimeUtc) }
                : null;
            byte[] handle;
            try
            {
                handle = await sftp.OpenFileAsync(remote, SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Truncate,
                    new SftpAttributes { Permissions = perms }, ct).ConfigureAwait(false);
            }
            catch (SftpException e)
            {
                throw new TransferException($"dest open \"{remote}\": {e.Message}");
            }
            try
            {
                await sftp.UploadToHandleAsync(file, handle, final, null, ct).ConfigureAwait(false);
            }
            catch (SftpException e)
            {
                throw new TransferException($"write remote \"{remote}\": {e.Message}");
            }
        }
    }

    /// <summary>get -r: the tree under <paramref name="remoteDir"/> into <paramref name="localDir"/> (made if missing).</summary>
    public async Task DownloadTreeAsync(string remoteDir, SftpAttributes attributes, string localDir, CancellationToken ct = default)
    {
        var files = new List<(string Remote, SftpAttributes Attributes, string Local)>();
        var dirs = new List<(string Local, SftpAttributes Attributes)>();
        await CollectRemoteAsync(remoteDir, attributes, localDir, files, dirs, ct).ConfigureAwait(false);
        await ForEachAsync(files, f => DownloadFileAsync(f.Remote, f.Attributes, f.Local, ct), ct).ConfigureAwait(false);
        if (preserve)
        {
            for (int i = dirs.Count - 1; i >= 0; i--) ApplyLocal(dirs[i].Local, dirs[i].Attributes);
        }
    }

    private async Task CollectRemoteAsync(string remoteDir, SftpAttributes attributes, string localDir,
        List<(string, SftpAttributes, string)> files, List<(string, SftpAttributes)> dirs, CancellationToken ct)
    {
        try
        {
            Directory.CreateDirectory(localDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TransferException($"{localDir}: mkdir failed: {Describe(e)}");
        }
        dirs.Add((localDir, attributes));
        IReadOnlyList<SftpDirectoryEntry> entries;
        try
        {
            entries = await sftp.ListAsync(remoteDir, ct).ConfigureAwait(false);
        }
        catch (SftpException e)
        {
            throw new TransferException($"remote readdir \"{remoteDir}\": {e.Message}");
        }
        foreach (var entry in entries.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            if (entry.Name is "." or ".." || entry.Name.Contains('/', StringComparison.Ordinal)) continue;
            string remote = RemotePath.Combine(remoteDir, entry.Name);
            string local = Path.Combine(localDir, entry.Name);
            if (entry.Attributes.IsDirectory) await CollectRemoteAsync(remote, entry.Attributes, local, files, dirs, ct).ConfigureAwait(false);
            else if (entry.Attributes.IsRegularFile) files.Add((remote, entry.Attributes, local));
        }
    }

    /// <summary>put -r: the tree under <paramref name="localDir"/> into <paramref name="remoteDir"/> (made if missing).</summary>
    public async Task UploadTreeAsync(string localDir, string remoteDir, CancellationToken ct = default)
    {
        var files = new List<(string Local, string Remote)>();
        var dirs = new List<(string Local, string Remote)>();
        await CollectLocalAsync(localDir, remoteDir, files, dirs, ct).ConfigureAwait(false);
        await ForEachAsync(files, f => UploadFileAsync(f.Local, f.Remote, ct), ct).ConfigureAwait(false);
        if (preserve)
        {
            foreach (var (local, remote) in dirs)
            {
                var info = new DirectoryInfo(local);
                await SetStatAsync(remote, new SftpAttributes
                {
                    Permissions = (uint)info.UnixFileMode & 0xFFF,
                    AccessTime = Seconds(info.LastAccessTimeUtc),
                    ModifyTime = Seconds(info.LastWriteTimeUtc),
                }, ct).ConfigureAwait(false);
            }
        }
    }

    private async Task CollectLocalAsync(string localDir, string remoteDir, List<(string, string)> files, List<(string, string)> dirs, CancellationToken ct)
    {
        await EnsureRemoteDirectoryAsync(remoteDir, (uint)new DirectoryInfo(localDir).UnixFileMode & 0x1FF, ct).ConfigureAwait(false);
        dirs.Add((localDir, remoteDir));
        FileSystemInfo[] entries;
        try
        {
            entries = new DirectoryInfo(localDir).GetFileSystemInfos();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TransferException($"Unable to open directory \"{localDir}\": {Describe(e)}");
        }
        foreach (var entry in entries.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            string remote = RemotePath.Combine(remoteDir, entry.Name);
            if (entry.LinkTarget is not null && entry is not FileInfo) continue;
            if (entry is DirectoryInfo) await CollectLocalAsync(entry.FullName, remote, files, dirs, ct).ConfigureAwait(false);
            else if (entry is FileInfo) files.Add((entry.FullName, remote));
        }
    }

    private async Task EnsureRemoteDirectoryAsync(string remoteDir, uint mode, CancellationToken ct)
    {
        try
        {
            var a = await sftp.StatAsync(remoteDir, ct).ConfigureAwait(false);
            if (a.IsDirectory) return;
        }
        catch (SftpException)
        {
            // Not there: make it.
        }
        try
        {
            await sftp.MkdirAsync(remoteDir, new SftpAttributes { Permissions = mode | 0x1C0 }, ct).ConfigureAwait(false);
        }
        catch (SftpException e)
        {
            throw new TransferException($"remote mkdir \"{remoteDir}\": {e.Message}");
        }
    }

    private async Task SetStatAsync(string remote, SftpAttributes a, CancellationToken ct)
    {
        try
        {
            await sftp.SetStatAsync(remote, a, ct).ConfigureAwait(false);
        }
        catch (SftpException e)
        {
            throw new TransferException($"remote setstat \"{remote}\": {e.Message}");
        }
    }

    /// <summary>Runs up to <see cref="ParallelFiles"/> copies at once; the first failure is raised after the rest finish.</summary>
    private static async Task ForEachAsync<T>(List<T> items, Func<T, Task> copy, CancellationToken ct)
    {
        TransferException? first = null;
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = ParallelFiles, CancellationToken = ct }, async (item, _) =>
        {
            try
            {
                await copy(item).ConfigureAwait(false);
            }
            catch (TransferException e)
            {
                Interlocked.CompareExchange(ref first, e, null);
            }
        }).ConfigureAwait(false);
        if (first is not null) throw first;
    }

    private static void ApplyLocal(string local, SftpAttributes a)
    {
        try
        {
            if (a.ModifyTime is { } m) File.SetLastWriteTimeUtc(local, DateTime.UnixEpoch.AddSeconds(m));
            if (a.AccessTime is { } t) File.SetLastAccessTimeUtc(local, DateTime.UnixEpoch.AddSeconds(t));
            if (a.Permissions is { } p && !OperatingSystem.IsWindows()) File.SetUnixFileMode(local, (UnixFileMode)(p & 0xFFF));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TransferException($"{local}: set times/mode: {Describe(e)}");
        }
    }

    private static uint Seconds(DateTime utc) => (uint)Math.Clamp((long)(utc - DateTime.UnixEpoch).TotalSeconds, 0, uint.MaxValue);

    /// <summary>strerror()-like text for a local failure.</summary>
    public static string Describe(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "No such file or directory",
        UnauthorizedAccessException => "Permission denied",
        _ => e.Message,
    };
}
