using Hop.Cli.Terminal;
using Hop.Ssh;
using Hop.Ssh.Client;
using Hop.Ssh.Sftp;

namespace Hop.Cli.Commands;

/// <summary>
/// `hop scp`: OpenSSH 9's scp, which speaks SFTP by default — copies between the local disk and a
/// host, either way, with -r and -p. Copies between two remote hosts are refused.
/// </summary>
internal static class ScpCommand
{
    public const string Usage =
        "usage: hop scp [-346ABCpqRrTv] [-c cipher] [-F ssh_config] [-i identity_file]\n" +
        "           [-J destination] [-o ssh_option] [-P port] source ... target";

    public static async Task<int> RunAsync(string[] args)
    {
        // Every line these commands show may carry the server's words (names, status messages).
        using var guard = UntrustedTextWriter.GuardConsole();
        TransferArguments t;
        try
        {
            t = TransferArguments.Parse(TransferArguments.ScpSpec, args);
            if (t.Operands.Count < 2) throw new UsageException("");
        }
        catch (UsageException e)
        {
            if (e.Message.Length > 0) Console.Error.WriteLine($"hop scp: {e.Message}");
            Console.Error.WriteLine(Usage);
            return 1;
        }
        var sources = t.Operands[..^1];
        string target = t.Operands[^1];
        bool targetRemote = RemotePath.TrySplitRemote(target, out var targetHost, out var targetPath);
        var remoteSources = sources.Select(s => (Remote: RemotePath.TrySplitRemote(s, out var h, out var p), Host: h, Path: p, Operand: s)).ToList();
        if (targetRemote && remoteSources.Any(s => s.Remote))
        {
            Console.Error.WriteLine("hop scp: copying between two remote hosts is not supported; copy to a local file first");
            return 1;
        }
        using var log = new DiagnosticLog(t.Verbose, t.Quiet);
        try
        {
            if (targetRemote)
            {
                return await WithClientAsync(t, targetHost, log, (sftp, home) => UploadAsync(sftp, home, sources, targetPath, t)).ConfigureAwait(false);
            }
            if (!remoteSources.Any(s => s.Remote)) return CopyLocal(sources, target);
            int result = 0;
            foreach (var group in remoteSources.GroupBy(s => s.Remote ? s.Host : ""))
            {
                if (group.Key.Length == 0)
                {
                    result = Math.Max(result, CopyLocal(group.Select(g => g.Operand).ToList(), target));
                    continue;
                }
                var paths = group.Select(g => g.Path).ToList();
                result = Math.Max(result, await WithClientAsync(t, group.Key, log,
                    (sftp, home) => DownloadAsync(sftp, home, paths, target, sources.Count > 1, t)).ConfigureAwait(false));
            }
            return result;
        }
        catch (Exception e) when (e is SshException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException or UsageException)
        {
            log.Error(e);
            Console.Error.WriteLine("scp: Connection closed");
            return 255;
        }
    }

    private static async Task<int> WithClientAsync(TransferArguments t, string destination, DiagnosticLog log, Func<SftpClient, string, Task<int>> run)
    {
        var ssh = t.SshFor(destination);
        var config = SshCommand.ResolveDestination(ssh, log);
        log.WithLogLevel(config.LogLevel);
        SshClient client = await SshCommand.ConnectAsync(ssh, config, log).ConfigureAwait(false);
        await using (client.ConfigureAwait(false))
        {
            var sftp = await SftpClient.OpenAsync(client).ConfigureAwait(false);
            await using (sftp.ConfigureAwait(false))
            {
                string home = await sftp.RealPathAsync(".").ConfigureAwait(false);
                return await run(sftp, home).ConfigureAwait(false);
            }
        }
    }

    private static async Task<int> DownloadAsync(SftpClient sftp, string home, List<string> paths, string target, bool many, TransferArguments t)
    {
        var transfers = new SftpTransfers(sftp, t.Preserve);
        bool targetIsDir = Directory.Exists(target);
        if (many && !targetIsDir)
        {
            Console.Error.WriteLine($"scp: {target}: Not a directory");
            return 1;
        }
        int result = 0;
        foreach (var path in paths)
        {
            string abs = RemotePath.Combine(home, path);
            SftpAttributes a;
            try
            {
                a = await sftp.StatAsync(abs).ConfigureAwait(false);
            }
            catch (SftpException e)
            {
                Console.Error.WriteLine($"scp: {abs}: {e.Message}");
                result = 1;
                continue;
            }
            string local = targetIsDir ? Path.Combine(target, RemotePath.BaseName(abs)) : target;
            try
            {
                if (a.IsDirectory)
                {
                    if (!t.Recursive)
                    {
                        Console.Error.WriteLine($"scp: download {abs.TrimEnd('/')}/: not a regular file");
                        result = 1;
                        continue;
                    }
                    await transfers.DownloadTreeAsync(abs, a, local).ConfigureAwait(false);
                }
                else if (a.IsRegularFile || a.Permissions is null)
                {
                    await transfers.DownloadFileAsync(abs, a, local).ConfigureAwait(false);
                }
                else
                {
                    Console.Error.WriteLine($"scp: download {abs}: not a regular file");
                    result = 1;
                }
            }
            catch (TransferException e)
            {
                Console.Error.WriteLine($"scp: {e.Message}");
                result = 1;
            }
        }
        return result;
    }

    private static async Task<int> UploadAsync(SftpClient sftp, string home, List<string> sources, string targetPath, TransferArguments t)
    {
        var transfers = new SftpTransfers(sftp, t.Preserve);
        string target = RemotePath.Combine(home, targetPath);
        bool targetIsDir = false;
        try
        {
            targetIsDir = (await sftp.StatAsync(target).ConfigureAwait(false)).IsDirectory;
        }
        catch (SftpException)
        {
            // A new name.
        }
        if (sources.Count > 1 && !targetIsDir)
        {
            Console.Error.WriteLine($"scp: {target}: Not a directory");
            return 1;
        }
        int result = 0;
        foreach (var local in sources)
        {
            bool isDir = Directory.Exists(local);
            if (!isDir && !File.Exists(local))
            {
                Console.Error.WriteLine($"scp: stat local \"{local}\": No such file or directory");
                result = 255;
                continue;
            }
            string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(local));
            string remote = targetIsDir ? RemotePath.Combine(target, name) : target;
            try
            {
                if (isDir)
                {
                    if (!t.Recursive) throw new TransferException($"local \"{local}\" is not a regular file");
                    await transfers.UploadTreeAsync(local, remote).ConfigureAwait(false);
                }
                else
                {
                    await transfers.UploadFileAsync(local, remote).ConfigureAwait(false);
                }
            }
            catch (TransferException e)
            {
                Console.Error.WriteLine($"scp: {e.Message}");
                Console.Error.WriteLine($"scp: failed to upload {(isDir && t.Recursive ? "directory" : "file")} {local} to {remote}");
                result = Math.Max(result, 1);
            }
        }
        return result;
    }

    /// <summary>Both ends local: a plain copy, as scp does with cp.</summary>
    private static int CopyLocal(List<string> sources, string target)
    {
        int result = 0;
        foreach (var s in sources)
        {
            try
            {
                string dest = Directory.Exists(target) ? Path.Combine(target, Path.GetFileName(s)) : target;
                File.Copy(s, dest, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"cp: {s}: {SftpTransfers.Describe(e)}");
                result = 1;
            }
        }
        return result;
    }
}
