using Hop.Cli.Terminal;
using Hop.Ssh;
using Hop.Ssh.Client;
using Hop.Ssh.Sftp;

namespace Hop.Cli.Commands;

/// <summary>`hop sftp`: OpenSSH's sftp — an interactive or batch (-b) file transfer session over SFTP.</summary>
internal static class SftpCommand
{
    public const string Usage =
        "usage: hop sftp [-46AaCfNpqrv] [-B buffer_size] [-b batchfile] [-c cipher]\n" +
        "          [-F ssh_config] [-i identity_file] [-J destination] [-o ssh_option]\n" +
        "          [-P port] [-R num_requests] destination [local_path]";

    /// <summary>The host part of "[user@]host" or "ssh://[user@]host[:port]", for "Connected to HOST.".</summary>
    private static string HostOf(string destination)
    {
        string d = destination.StartsWith("ssh://", StringComparison.Ordinal) ? destination[6..] : destination;
        int at = d.LastIndexOf('@');
        return at >= 0 ? d[(at + 1)..] : d;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        // Every line these commands show may carry the server's words (names, status messages).
        using var guard = UntrustedTextWriter.GuardConsole();
        TransferArguments t;
        try
        {
            t = TransferArguments.Parse(TransferArguments.SftpSpec, args);
            if (t.Operands.Count is < 1 or > 2) throw new UsageException("");
        }
        catch (UsageException e)
        {
            if (e.Message.Length > 0) Console.Error.WriteLine($"hop sftp: {e.Message}");
            Console.Error.WriteLine(Usage);
            return 1;
        }
        string operand = t.Operands[0];
        string destination = operand;
        string? startPath = null;
        if (RemotePath.TrySplitRemote(operand, out var d, out var p))
        {
            destination = d;
            startPath = p.Length > 0 ? p : null;
        }
        using var log = new DiagnosticLog(t.Verbose, t.Quiet);
        SshClient client;
        SftpClient sftp;
        try
        {
            var ssh = t.SshFor(destination);
            var config = SshCommand.ResolveDestination(ssh, log);
            log.WithLogLevel(config.LogLevel);
            client = await SshCommand.ConnectAsync(ssh, config, log).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException or UsageException)
        {
            log.Error(e);
            Console.Error.WriteLine("Connection closed");
            return 255;
        }
        await using (client.ConfigureAwait(false))
        {
            try
            {
                sftp = await SftpClient.OpenAsync(client).ConfigureAwait(false);
            }
            catch (SshException e)
            {
                log.Error(e);
                Console.Error.WriteLine("Connection closed");
                return 255;
            }
            await using (sftp.ConfigureAwait(false))
            {
                if (t.Requests is { } r) sftp.MaxOutstandingRequests = r;
                if (t.BatchFile is null && !t.Quiet) Console.Error.WriteLine($"Connected to {HostOf(destination)}.");
                var shell = new SftpShell(sftp, await sftp.RealPathAsync(".").ConfigureAwait(false), t.Preserve, t.Recursive, batch: t.BatchFile is not null);
                if (startPath is not null)
                {
                    int start = await shell.StartAtAsync(startPath, t.Operands.Count > 1 ? t.Operands[1] : null).ConfigureAwait(false);
                    if (start >= 0) return start;
                }
                try
                {
                    if (t.BatchFile is not null)
                    {
                        using var reader = t.BatchFile == "-" ? new StreamReader(StandardStream.Open(0)) : new StreamReader(t.BatchFile);
                        return await shell.RunBatchAsync(reader).ConfigureAwait(false);
                    }
                    // From a Unix terminal, fd 0 itself with the kernel's line editing: Console's stream
                    // would set the terminal's keypad to application mode and leave it so.
                    var input = (OperatingSystem.IsWindows() ? null : RawTerminal.OpenTerminalStream(0)) ?? StandardStream.Open(0);
                    return await shell.RunInteractiveAsync(new StreamReader(input), terminal: !Console.IsInputRedirected).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    Console.Error.WriteLine($"{t.BatchFile}: {SftpTransfers.Describe(e)}");
                    return 1;
                }
                catch (SshException e)
                {
                    log.Error(e);
                    Console.Error.WriteLine("Connection closed");
                    return 255;
                }
            }
        }
    }
}
