using System.Diagnostics;
using System.Globalization;
using System.Text;
using Hop.Ssh.Keys;

namespace Hop.Ssh.Config;

/// <summary>
/// ssh_config's KnownHostsCommand, run as OpenSSH 9.2 runs it: the command line split into words (no shell), every word
/// after the first expanded (%tokens and ${ENV}, with %H the name looked up, %I the invocation, %t %f %K the host key's
/// type, fingerprint and base64 blob, or NONE), the program given by absolute path with stdin from /dev/null and stderr
/// shared; what it prints is read as known_hosts lines named "KnownHostsCommand-INVOCATION". A program that cannot be
/// started is reported and its keys are simply missing; one that exits with a status other than 0 ends the connection
/// ("KnownHostsCommand failed"), as in ssh.
/// </summary>
public static class KnownHostsCommand
{
    /// <summary>More output than this is not read: the command is stopped and counts as failed.</summary>
    public const int MaxOutputBytes = 1024 * 1024;

    /// <summary>Runs <paramref name="config"/>'s KnownHostsCommand (nothing when it has none) and returns the key lines it printed.</summary>
    /// <param name="config">The destination's configuration.</param>
    /// <param name="invocation">%I: HOSTNAME (checking the host key), ADDRESS (its address, CheckHostIP) or ORDER (ordering HostKeyAlgorithms).</param>
    /// <param name="hostName">%H: the name the lines are looked up under.</param>
    /// <param name="key">The server's host key, or null before it is known (ORDER).</param>
    /// <param name="log">Messages as ssh's: level 0 for what it shows at its default level.</param>
    /// <exception cref="SshException">The command failed (a status other than 0, a signal, too much output).</exception>
    /// <exception cref="SshConfigException">A word has an unknown %token or an unset ${VARIABLE}.</exception>
    public static IReadOnlyList<KnownHostsEntry> Run(ResolvedConfig config, string invocation, string hostName, SshPublicKey? key,
        Action<int, string>? log)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(invocation);
        ArgumentNullException.ThrowIfNull(hostName);
        if (config.KnownHostsCommand is not { } template) return [];
        string tag = "KnownHostsCommand-" + invocation;
        var words = ConfigTokenizer.SplitArguments(template, terminateOnComment: false);
        if (words is null)
        {
            log?.Invoke(0, $"{tag} \"{template}\" contains invalid quotes");
            return [];
        }
        if (words.Count == 0)
        {
            log?.Invoke(0, $"{tag} \"{template}\" yielded no arguments");
            return [];
        }
        var tokens = new Dictionary<char, string>
        {
            ['H'] = hostName,
            ['I'] = invocation,
            ['t'] = key?.KeyType ?? "NONE",
            ['f'] = key?.Fingerprint(config.FingerprintHash) ?? "NONE",
            ['K'] = key is null ? "NONE" : Convert.ToBase64String(key.Blob),
        };
        for (int i = 1; i < words.Count; i++) words[i] = config.ExpandArgument(words[i], tokens);
        string program = words[0];
        string commandLine = Assemble(words);
        if (!program.StartsWith('/'))
        {
            log?.Invoke(0, $"{tag} path is not absolute");
            return [];
        }
        if (!File.Exists(program) && !Directory.Exists(program))
        {
            log?.Invoke(0, $"Could not stat {tag} \"{program}\": No such file or directory");
            return [];
        }
        var psi = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
        };
        foreach (string word in words.Skip(1)) psi.ArgumentList.Add(word);
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new System.ComponentModel.Win32Exception("cannot start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            // ssh's child cannot execv the program: it says so and exits 127, and the command has failed.
            log?.Invoke(0, $"{tag} execv \"{commandLine}\": {(e.NativeErrorCode == 13 ? "Permission denied" : e.Message)}");
            log?.Invoke(0, $"{tag} {commandLine} failed, status 127");
            throw new SshException("KnownHostsCommand failed");
        }
        using (process)
        {
            process.StandardInput.Close();
            byte[]? output = ReadBounded(process.StandardOutput.BaseStream);
            if (output is null)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // It had already exited.
                }
                process.WaitForExit();
                log?.Invoke(0, $"{tag} {commandLine} printed more than {MaxOutputBytes.ToString(CultureInfo.InvariantCulture)} bytes");
                throw new SshException("KnownHostsCommand failed");
            }
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                log?.Invoke(0, $"{tag} {commandLine} failed, status {process.ExitCode.ToString(CultureInfo.InvariantCulture)}");
                throw new SshException("KnownHostsCommand failed");
            }
            var problems = new List<KnownHostsProblem>();
            using var reader = new StringReader(new UTF8Encoding(false, false).GetString(output));
            var entries = KnownHostsFile.Read(tag, reader, problems);
            foreach (var problem in problems) log?.Invoke(1, problem.ToString());
            return entries;
        }
    }

    /// <summary>All of <paramref name="stream"/> up to <see cref="MaxOutputBytes"/>; null when there is more.</summary>
    private static byte[]? ReadBounded(Stream stream)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + n > MaxOutputBytes) return null;
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    /// <summary>The words as one line, as ssh shows a command it ran: words with blanks in double quotes, \ ' " escaped.</summary>
    internal static string Assemble(IReadOnlyList<string> words)
    {
        var sb = new StringBuilder();
        foreach (string word in words)
        {
            if (sb.Length > 0) sb.Append(' ');
            bool blank = word.Contains(' ', StringComparison.Ordinal) || word.Contains('\t', StringComparison.Ordinal);
            if (blank) sb.Append('"');
            foreach (char c in word)
            {
                if (c is '\\' or '\'' or '"') sb.Append('\\');
                sb.Append(c);
            }
            if (blank) sb.Append('"');
        }
        return sb.ToString();
    }
}
