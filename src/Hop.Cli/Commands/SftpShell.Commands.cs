using Hop.Ssh.Sftp;

namespace Hop.Cli.Commands;

/// <summary>The commands that touch files: get, put, ls, cd, lcd, rm, chmod, df.</summary>
internal sealed partial class SftpShell
{
    private async Task<int> GetAsync(List<string> operands, bool recursive, bool preserve)
    {
        if (operands.Count == 0) throw new TransferException("You must specify at least one path after a get command.");
        string abs = Abs(operands[0]);
        string? localArg = operands.Count > 1 ? operands[1] : null;
        var matches = await ExpandAsync(abs).ConfigureAwait(false);
        if (matches.Count == 0) throw new TransferException($"File \"{abs}\" not found.");
        bool localIsDir = localArg is not null && Directory.Exists(localArg);
        if (matches.Count > 1 && localArg is not null && !localIsDir)
            throw new TransferException($"Multiple source paths, but destination \"{localArg}\" is not a directory");
        var transfers = preserve ? _preserving : _plain;
        int result = 0;
        foreach (var (remote, attributes) in matches)
        {
            string name = RemotePath.BaseName(remote);
            string local = localArg is null ? name : localIsDir ? Path.Combine(localArg, name) : localArg;
            if (attributes.IsDirectory)
            {
                if (!recursive)
                {
                    _err.WriteLine($"Cannot download non-regular file: {remote}");
                    result = 1;
                    continue;
                }
                if (!batch) _out.WriteLine($"Fetching {remote}/ to {local}");
                await transfers.DownloadTreeAsync(remote, attributes, local).ConfigureAwait(false);
                continue;
            }
            if (!attributes.IsRegularFile && attributes.Permissions is not null)
            {
                _err.WriteLine($"Cannot download non-regular file: {remote}");
                result = 1;
                continue;
            }
            if (!batch) _out.WriteLine($"Fetching {remote} to {local}");
            await transfers.DownloadFileAsync(remote, attributes, local).ConfigureAwait(false);
        }
        return result;
    }

    private async Task<int> PutAsync(List<string> operands, bool recursive, bool preserve)
    {
        if (operands.Count == 0) throw new TransferException("You must specify at least one path after a put command.");
        string local = operands[0];
        bool isDir = Directory.Exists(local);
        if (!isDir && !File.Exists(local)) throw new TransferException($"stat {local}: No such file or directory");
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(local));
        string remote;
        if (operands.Count > 1)
        {
            remote = Abs(operands[1]);
            if (await IsRemoteDirectoryAsync(remote).ConfigureAwait(false))
                remote = RemotePath.Combine(remote, name);
        }
        else
        {
            remote = Abs(name);
        }
        var transfers = preserve ? _preserving : _plain;
        if (isDir)
        {
            if (!recursive)
            {
                _err.WriteLine($"skipping non-regular file {local}");
                return 1;
            }
            if (!batch) _out.WriteLine($"Uploading {local}/ to {remote}");
            await transfers.UploadTreeAsync(local, remote).ConfigureAwait(false);
            return 0;
        }
        if (!batch) _out.WriteLine($"Uploading {local} to {remote}");
        await transfers.UploadFileAsync(local, remote).ConfigureAwait(false);
        return 0;
    }

    private async Task<bool> IsRemoteDirectoryAsync(string path)
    {
        try
        {
            return (await sftp.StatAsync(path).ConfigureAwait(false)).IsDirectory;
        }
        catch (SftpException)
        {
            return false;
        }
    }

    /// <summary>Remote paths matching <paramref name="abs"/> (wildcards in the last component), with their attributes; empty when none.</summary>
    private async Task<List<(string Path, SftpAttributes Attributes)>> ExpandAsync(string abs)
    {
        string name = RemotePath.BaseName(abs);
        if (!RemotePath.HasGlob(name))
        {
            try
            {
                return [(abs, await sftp.StatAsync(abs).ConfigureAwait(false))];
            }
            catch (SftpException)
            {
                return [];
            }
        }
        string dir = RemotePath.DirName(abs);
        IReadOnlyList<SftpDirectoryEntry> entries;
        try
        {
            entries = await sftp.ListAsync(dir).ConfigureAwait(false);
        }
        catch (SftpException)
        {
            return [];
        }
        return entries
            .Where(e => e.Name is not ("." or "..") && (name.StartsWith('.') || !e.Name.StartsWith('.')) && GlobMatch(e.Name, name))
            .OrderBy(e => e.Name, StringComparer.Ordinal)
            .Select(e => (RemotePath.Combine(dir, e.Name), e.Attributes))
            .ToList();
    }

    private async Task<int> ListAsync(string? path, HashSet<char> flags)
    {
        string abs = path is null ? _cwd : Abs(path);
        bool longView = flags.Contains('l') || flags.Contains('n');
        bool all = flags.Contains('a');
        string prefix = path is null ? "" : path.EndsWith('/') ? path : path + "/";
        List<(string Shown, string Long)> lines;
        if (!RemotePath.HasGlob(RemotePath.BaseName(abs)))
        {
            SftpAttributes a;
            try
            {
                a = await sftp.StatAsync(abs).ConfigureAwait(false);
            }
            catch (SftpException)
            {
                throw new TransferException($"Can't ls: \"{abs}\" not found");
            }
            if (a.IsDirectory)
            {
                IReadOnlyList<SftpDirectoryEntry> entries;
                try
                {
                    entries = await sftp.ListAsync(abs).ConfigureAwait(false);
                }
                catch (SftpException e)
                {
                    throw new TransferException($"Couldn't read directory: {e.Message}");
                }
                lines = entries.Where(e => all || !e.Name.StartsWith('.'))
                    .OrderBy(e => e.Name, StringComparer.Ordinal)
                    .Select(e => (prefix + e.Name, e.LongName.Length > 0 ? e.LongName : LongLine(prefix + e.Name, e.Attributes)))
                    .ToList();
            }
            else
            {
                lines = [(path ?? abs, LongLine(path ?? abs, a))];
            }
        }
        else
        {
            var matches = await ExpandAsync(abs).ConfigureAwait(false);
            if (matches.Count == 0) throw new TransferException($"Can't ls: \"{abs}\" not found");
            string typedDir = path is null ? "" : RemotePath.DirName(path);
            lines = matches.Select(m =>
            {
                string shown = path!.Contains('/', StringComparison.Ordinal) ? RemotePath.Combine(typedDir, RemotePath.BaseName(m.Path)) : RemotePath.BaseName(m.Path);
                return (shown, LongLine(shown, m.Attributes));
            }).ToList();
        }
        if (longView || flags.Contains('1'))
        {
            foreach (var (shown, longLine) in lines) _out.WriteLine(longView ? longLine : shown);
            return 0;
        }
        WriteColumns(lines.Select(l => l.Shown).ToList());
        return 0;
    }

    /// <summary>OpenSSH's short listing: names padded to one width, as many per 80-column row as fit.</summary>
    private void WriteColumns(List<string> names)
    {
        if (names.Count == 0) return;
        int width = names.Max(n => n.Length) + 3;
        int columns = Math.Max(1, 80 / width);
        for (int i = 0; i < names.Count; i++)
        {
            _out.Write(names[i].PadRight(width));
            if ((i + 1) % columns == 0 || i == names.Count - 1) _out.WriteLine();
        }
    }

    /// <summary>An `ls -l` line from attributes alone (the link count is unknown: "?").</summary>
    private static string LongLine(string name, SftpAttributes a)
    {
        uint mode = a.Permissions ?? 0;
        char type = (mode & 0xF000) switch { 0x4000 => 'd', 0xA000 => 'l', 0x2000 => 'c', 0x6000 => 'b', 0x1000 => 'p', 0xC000 => 's', _ => '-' };
        var perms = new char[10];
        perms[0] = type;
        const string rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) perms[i + 1] = (mode & (1u << (8 - i))) != 0 ? rwx[i] : '-';
        var time = DateTime.UnixEpoch.AddSeconds(a.ModifyTime ?? 0).ToLocalTime();
        string when = Math.Abs((DateTime.Now - time).TotalDays) < 182
            ? time.ToString("MMM dd HH:mm", System.Globalization.CultureInfo.InvariantCulture)
            : time.ToString("MMM dd  yyyy", System.Globalization.CultureInfo.InvariantCulture);
        return Format("{0}    ? {1,-8} {2,-8} {3,8} {4} {5}", new string(perms), a.Uid ?? 0, a.Gid ?? 0, a.Size ?? 0, when, name);
    }

    private async Task<int> ChangeDirectoryAsync(string path)
    {
        string abs = Abs(path);
        SftpAttributes a;
        try
        {
            abs = await sftp.RealPathAsync(abs).ConfigureAwait(false);
            a = await sftp.StatAsync(abs).ConfigureAwait(false);
        }
        catch (SftpException e)
        {
            throw new TransferException($"stat remote: {e.Message}");
        }
        if (!a.IsDirectory) throw new TransferException($"Can't change directory: \"{abs}\" is not a directory");
        _cwd = abs;
        return 0;
    }

    private static int ChangeLocalDirectory(string path)
    {
        try
        {
            Directory.SetCurrentDirectory(path);
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TransferException($"Couldn't change local directory to \"{path}\": {SftpTransfers.Describe(e)}");
        }
    }

    private async Task<int> RemoveAsync(string path)
    {
        string abs = Abs(path);
        var targets = RemotePath.HasGlob(RemotePath.BaseName(abs)) ? (await ExpandAsync(abs).ConfigureAwait(false)).Select(m => m.Path).ToList() : [abs];
        if (targets.Count == 0) throw new TransferException($"File \"{abs}\" not found.");
        int result = 0;
        foreach (var t in targets)
        {
            try
            {
                await sftp.RemoveAsync(t).ConfigureAwait(false);
            }
            catch (SftpException e)
            {
                _err.WriteLine($"remote delete {t}: {e.Message}");
                result = 1;
            }
        }
        return result;
    }

    private async Task<int> ChmodAsync(string modeText, string path)
    {
        uint mode;
        try
        {
            mode = Convert.ToUInt32(modeText, 8);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw new TransferException("You must supply a numeric argument to the chmod command.");
        }
        if (mode > 0xFFF) throw new TransferException("You must supply a numeric argument to the chmod command.");
        string abs = Abs(path);
        var targets = RemotePath.HasGlob(RemotePath.BaseName(abs)) ? (await ExpandAsync(abs).ConfigureAwait(false)).Select(m => m.Path).ToList() : [abs];
        int result = 0;
        foreach (var t in targets)
        {
            if (!batch) _out.WriteLine($"Changing mode on {t}");
            try
            {
                await sftp.SetStatAsync(t, new SftpAttributes { Permissions = mode }).ConfigureAwait(false);
            }
            catch (SftpException e)
            {
                _err.WriteLine($"remote setstat \"{t}\": {e.Message}");
                result = 1;
            }
        }
        return result;
    }

    private async Task<int> DiskFreeAsync(string path)
    {
        if (!sftp.Extensions.ContainsKey(SftpExtensionNames.StatVfs))
            throw new TransferException("Server does not support statvfs@openssh.com extension");
        SftpStatVfs v;
        try
        {
            v = await sftp.StatVfsAsync(path).ConfigureAwait(false);
        }
        catch (SftpException e)
        {
            throw new TransferException($"remote statvfs \"{path}\": {e.Message}");
        }
        ulong kib(ulong blocks) => v.FragmentSize * blocks / 1024;
        ulong capacity = v.Blocks == 0 ? 0 : 100 * (v.Blocks - v.FreeBlocks) / v.Blocks;
        _out.WriteLine(Format("{0,12} {1,12} {2,12} {3,12} {4,12}", "Size", "Used", "Avail", "(root)", "%Capacity"));
        _out.WriteLine(Format("{0,12} {1,12} {2,12} {3,12} {4,11}%", kib(v.Blocks), kib(v.Blocks - v.FreeBlocks), kib(v.AvailableBlocks), kib(v.FreeBlocks), capacity));
        return 0;
    }
}
