using System.Globalization;
using System.Text;
using Hop.Ssh.Config;
using Hop.Ssh.Sftp;

namespace Hop.Cli.Commands;

/// <summary>
/// The command loop of `hop sftp`: OpenSSH sftp's commands and messages. In batch mode each line
/// is echoed after the prompt and the first failure ends the run (exit 1) unless the line starts
/// with '-'.
/// </summary>
internal sealed partial class SftpShell(SftpClient sftp, string homeDirectory, bool preserveAll, bool recursiveAll, bool batch)
{
    private const string Prompt = "sftp> ";
    private readonly SftpTransfers _plain = new(sftp, false);
    private readonly SftpTransfers _preserving = new(sftp, true);
    private readonly string _home = homeDirectory;
    private string _cwd = homeDirectory;
    private readonly TextWriter _out = Console.Out;
    private readonly TextWriter _err = Console.Error;

    /// <summary>"host:path [local]" on the command line: a directory becomes the working directory, a file is fetched (to <paramref name="local"/>). -1 to go on.</summary>
    public async Task<int> StartAtAsync(string path, string? local)
    {
        string abs = RemotePath.Combine(_cwd, path);
        try
        {
            var a = await sftp.StatAsync(abs).ConfigureAwait(false);
            if (a.IsDirectory)
            {
                _cwd = abs;
                return -1;
            }
        }
        catch (SftpException)
        {
            // Let get report it.
        }
        try
        {
            return await DispatchAsync(local is null ? ["get", abs] : ["get", abs, local]).ConfigureAwait(false) == 0 ? 0 : 1;
        }
        catch (TransferException e)
        {
            _err.WriteLine(e.Message);
            return 1;
        }
    }

    public async Task<int> RunBatchAsync(TextReader reader)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } raw)
        {
            // OpenSSH echoes every batch line as read, blank lines and comments included.
            _out.WriteLine(Prompt + raw);
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            bool ignoreErrors = line.StartsWith('-');
            if (ignoreErrors) line = line[1..].TrimStart();
            int result = await RunLineAsync(line).ConfigureAwait(false);
            if (result == Quit) return 0;
            if (result != 0 && !ignoreErrors) return 1;
        }
        return 0;
    }

    /// <summary>Commands from stdin: with a terminal, a prompt before each; otherwise each line is echoed after the prompt, as OpenSSH does.</summary>
    public async Task<int> RunInteractiveAsync(TextReader reader, bool terminal)
    {
        while (true)
        {
            if (terminal)
            {
                _out.Write(Prompt);
                await _out.FlushAsync().ConfigureAwait(false);
            }
            var raw = await reader.ReadLineAsync().ConfigureAwait(false);
            if (raw is null)
            {
                if (terminal) _out.WriteLine();
                return 0;
            }
            if (!terminal) _out.WriteLine(Prompt + raw);
            string line = raw.Trim();
            if (line.StartsWith('-')) line = line[1..].TrimStart();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (await RunLineAsync(line).ConfigureAwait(false) == Quit) return 0;
        }
    }

    private const int Quit = -1;

    private async Task<int> RunLineAsync(string line)
    {
        List<string> argv;
        try
        {
            argv = SplitLine(line);
        }
        catch (FormatException e)
        {
            _err.WriteLine(e.Message);
            return 1;
        }
        if (argv.Count == 0) return 0;
        if (!IsKnown(argv[0]))
        {
            _err.WriteLine("Invalid command.");
            return 1;
        }
        await _out.FlushAsync().ConfigureAwait(false);
        try
        {
            return await DispatchAsync(argv).ConfigureAwait(false);
        }
        catch (TransferException e)
        {
            await _out.FlushAsync().ConfigureAwait(false);
            _err.WriteLine(e.Message);
            return 1;
        }
    }

    private static bool IsKnown(string command) => command is "get" or "mget" or "put" or "mput" or "reget" or "reput" or "ls" or "dir" or "cd" or "chdir"
        or "lcd" or "lchdir" or "pwd" or "lpwd" or "mkdir" or "rmdir" or "rm" or "remove" or "rename" or "chmod" or "ln" or "symlink"
        or "df" or "bye" or "quit" or "exit" or "lls" or "lmkdir" or "help" or "?" or "version" or "progress";

    private async Task<int> DispatchAsync(List<string> argv)
    {
        string cmd = argv[0];
        var (flags, operands) = Flags(argv);
        switch (cmd)
        {
            case "bye" or "quit" or "exit":
                return Quit;
            case "get" or "mget" or "reget":
                return await GetAsync(operands, flags.Contains('r') || flags.Contains('R') || recursiveAll, flags.Contains('p') || flags.Contains('P') || preserveAll).ConfigureAwait(false);
            case "put" or "mput" or "reput":
                return await PutAsync(operands, flags.Contains('r') || flags.Contains('R') || recursiveAll, flags.Contains('p') || flags.Contains('P') || preserveAll).ConfigureAwait(false);
            case "ls" or "dir":
                return await ListAsync(operands.Count > 0 ? operands[0] : null, flags).ConfigureAwait(false);
            case "cd" or "chdir":
                return await ChangeDirectoryAsync(operands.Count > 0 ? operands[0] : _home).ConfigureAwait(false);
            case "lcd" or "lchdir":
                return ChangeLocalDirectory(operands.Count > 0 ? operands[0] : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));
            case "pwd":
                _out.WriteLine($"Remote working directory: {_cwd}");
                return 0;
            case "lpwd":
                _out.WriteLine($"Local working directory: {Directory.GetCurrentDirectory()}");
                return 0;
            case "lmkdir":
                Need(operands, 1, cmd);
                Directory.CreateDirectory(operands[0]);
                return 0;
            case "lls":
                foreach (var e in Directory.GetFileSystemEntries(operands.Count > 0 ? operands[0] : ".").Select(Path.GetFileName).Order(StringComparer.Ordinal)) _out.WriteLine(e);
                return 0;
            case "mkdir":
                Need(operands, 1, cmd);
                return await RemoteAsync(() => sftp.MkdirAsync(Abs(operands[0]), new SftpAttributes { Permissions = 0x1FF }), $"remote mkdir \"{Abs(operands[0])}\"").ConfigureAwait(false);
            case "rmdir":
                Need(operands, 1, cmd);
                return await RemoteAsync(() => sftp.RmdirAsync(Abs(operands[0])), $"remote rmdir \"{Abs(operands[0])}\"").ConfigureAwait(false);
            case "rm" or "remove":
                Need(operands, 1, cmd);
                return await RemoveAsync(operands[0]).ConfigureAwait(false);
            case "rename":
                Need(operands, 2, cmd);
                return await RemoteAsync(() => sftp.RenameAsync(Abs(operands[0]), Abs(operands[1]), flags.Contains('l')),
                    $"remote rename \"{Abs(operands[0])}\" to \"{Abs(operands[1])}\"").ConfigureAwait(false);
            case "chmod":
                Need(operands, 2, cmd);
                return await ChmodAsync(operands[0], operands[1]).ConfigureAwait(false);
            case "ln" or "symlink":
                Need(operands, 2, cmd);
                if (cmd == "ln" && !flags.Contains('s'))
                    return await RemoteAsync(() => sftp.HardlinkAsync(Abs(operands[0]), Abs(operands[1])), $"remote link \"{Abs(operands[0])}\" to \"{Abs(operands[1])}\"").ConfigureAwait(false);
                // The target is stored as given (relative targets stay relative), as OpenSSH does.
                return await RemoteAsync(() => sftp.SymlinkAsync(operands[0], Abs(operands[1])), $"remote symlink file \"{operands[0]}\" to \"{Abs(operands[1])}\"").ConfigureAwait(false);
            case "df":
                return await DiskFreeAsync(operands.Count > 0 ? Abs(operands[0]) : _cwd).ConfigureAwait(false);
            case "version":
                _out.WriteLine($"SFTP protocol version {sftp.ServerVersion}");
                return 0;
            case "progress":
                return 0;
            default:
                _out.WriteLine("Available commands: bye cd chmod df exit get help lcd lls lmkdir ln lpwd ls mkdir put pwd quit rename rm rmdir symlink version");
                return 0;
        }
    }

    private string Abs(string path) => RemotePath.Combine(_cwd, path);

    private static void Need(List<string> operands, int count, string cmd)
    {
        if (operands.Count < count) throw new TransferException(count == 1 ? $"You must specify a path after a {cmd} command." : $"You must specify two paths after a {cmd} command.");
    }

    private async Task<int> RemoteAsync(Func<Task> op, string what)
    {
        try
        {
            await op().ConfigureAwait(false);
            return 0;
        }
        catch (SftpException e)
        {
            throw new TransferException($"{what}: {e.Message}");
        }
    }

    /// <summary>Leading "-xyz" flags of a command (up to "--"), and the rest.</summary>
    private static (HashSet<char> Flags, List<string> Operands) Flags(List<string> argv)
    {
        var flags = new HashSet<char>();
        int i = 1;
        for (; i < argv.Count; i++)
        {
            string a = argv[i];
            if (a == "--")
            {
                i++;
                break;
            }
            if (a.Length < 2 || a[0] != '-' || (argv[0] == "chmod" && char.IsDigit(a[1]))) break;
            foreach (char c in a.AsSpan(1)) flags.Add(c);
        }
        return (flags, argv.GetRange(i, argv.Count - i));
    }

    /// <summary>
    /// makeargv: words split on blanks, with '…' and "…" quoting and backslash escapes. On Windows a
    /// backslash is a path's separator (C:\Users\me), not an escape, as in PuTTY's psftp.
    /// </summary>
    internal static List<string> SplitLine(string line)
    {
        bool escapes = !OperatingSystem.IsWindows();
        var args = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quote != '\0')
            {
                if (c == quote) quote = '\0';
                else if (escapes && c == '\\' && quote == '"' && i + 1 < line.Length) word.Append(line[++i]);
                else word.Append(c);
                continue;
            }
            if (c is ' ' or '\t')
            {
                if (inWord) args.Add(word.ToString());
                word.Clear();
                inWord = false;
                continue;
            }
            inWord = true;
            if (c is '\'' or '"') quote = c;
            else if (escapes && c == '\\' && i + 1 < line.Length) word.Append(line[++i]);
            else word.Append(c);
        }
        if (quote != '\0') throw new FormatException("Unterminated quote");
        if (inWord) args.Add(word.ToString());
        return args;
    }

    private static string Format(string format, params object[] args) => string.Format(CultureInfo.InvariantCulture, format, args);

    private static bool GlobMatch(string name, string pattern) => SshPattern.Match(name, pattern);
}
