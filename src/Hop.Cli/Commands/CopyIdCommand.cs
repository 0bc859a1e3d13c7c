using System.Diagnostics;
using Hop.Ssh;
using Hop.Ssh.Keys;

namespace Hop.Cli.Commands;

/// <summary>
/// `hop copy-id`: ssh-copy-id. Logs in with `hop ssh` and appends the public key(s) to the remote
/// ~/.ssh/authorized_keys (creating ~/.ssh as 0700 and the file as 0600 under umask 077), skipping
/// keys already there unless -f; -n only says what would be added.
/// </summary>
internal static class CopyIdCommand
{
    private const string Usage = "usage: hop copy-id [-f] [-n] [-i identity_file] [-p port] [-F ssh_config] [-o ssh_option] [user@]hostname";

    public static async Task<int> RunAsync(string[] args)
    {
        string? identity = null;
        bool force = false, dryRun = false;
        var sshArgs = new List<string>();
        var g = new GetOpt("fhni:p:o:F:", args);
        try
        {
            while (g.Next(out char opt, out string? value))
            {
                switch (opt)
                {
                    case 'i': identity = value; break;
                    case 'f': force = true; break;
                    case 'n': dryRun = true; break;
                    case 'p': sshArgs.AddRange(["-p", value!]); break;
                    case 'o': sshArgs.AddRange(["-o", value!]); break;
                    case 'F': sshArgs.AddRange(["-F", value!]); break;
                    case 'h': Console.Error.WriteLine(Usage); return 0;
                    default: throw new UsageException($"unknown option -- {opt}");
                }
            }
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"hop copy-id: {e.Message}");
            Console.Error.WriteLine(Usage);
            return 1;
        }
        if (g.Index != args.Length - 1)
        {
            Console.Error.WriteLine(Usage);
            return 1;
        }
        string destination = args[g.Index];

        string? file = PublicKeyFile(identity);
        if (file is null)
        {
            Console.Error.WriteLine("hop copy-id: ERROR: No identities found");
            return 1;
        }
        List<string> keys;
        try
        {
            keys = ReadKeys(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SshException or FormatException)
        {
            Console.Error.WriteLine($"hop copy-id: ERROR: failed to read {file}: {e.Message}");
            return 1;
        }
        Console.Error.WriteLine($"hop copy-id: INFO: Source of key(s) to be installed: \"{file}\"");

        var (exit, output) = await RunRemoteAsync(sshArgs, destination, RemoteScript(force, dryRun), keys).ConfigureAwait(false);
        if (exit != 0)
        {
            Console.Error.WriteLine($"hop copy-id: ERROR: installing the key(s) on {destination} failed (exit {exit})");
            return 1;
        }
        var added = output.Where(l => l.StartsWith("added ", StringComparison.Ordinal)).ToList();
        var would = output.Where(l => l.StartsWith("would ", StringComparison.Ordinal)).Select(l => l[6..]).ToList();
        if (dryRun)
        {
            if (would.Count == 0) return AllSkipped();
            Console.Out.WriteLine("=-=-=-=-=-=-=-=");
            Console.Out.WriteLine("Would have added the following key(s):");
            Console.Out.WriteLine();
            foreach (var k in keys.Where(k => would.Any(w => k.StartsWith(w, StringComparison.Ordinal)))) Console.Out.WriteLine(k);
            Console.Out.WriteLine("=-=-=-=-=-=-=-=");
            return 0;
        }
        if (added.Count == 0) return AllSkipped();
        Console.Out.WriteLine();
        Console.Out.WriteLine($"Number of key(s) added: {added.Count}");
        Console.Out.WriteLine();
        Console.Out.WriteLine($"Now try logging into the machine, with:   \"hop ssh '{destination}'\"");
        Console.Out.WriteLine("and check to make sure that only the key(s) you wanted were added.");
        Console.Out.WriteLine();
        return 0;
    }

    private static int AllSkipped()
    {
        Console.Error.WriteLine("hop copy-id: WARNING: All keys were skipped because they already exist on the remote system.");
        Console.Error.WriteLine("\t\t(if you think this is a mistake, you may want to use -f option)");
        return 0;
    }

    /// <summary>-i FILE (FILE.pub when FILE is the private key), else the newest ~/.ssh/id*.pub, as ssh-copy-id.</summary>
    private static string? PublicKeyFile(string? identity)
    {
        if (identity is not null)
        {
            if (identity.StartsWith("~/", StringComparison.Ordinal))
                identity = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), identity[2..]);
            return identity.EndsWith(".pub", StringComparison.Ordinal) ? identity : identity + ".pub";
        }
        var dir = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh");
        if (!Directory.Exists(dir)) return null;
        return new DirectoryInfo(dir).GetFiles("id*.pub").OrderByDescending(f => f.LastWriteTimeUtc).FirstOrDefault()?.FullName;
    }

    /// <summary>Each line of the file that parses as a public key, normalised to "type base64 [comment]".</summary>
    private static List<string> ReadKeys(string file)
    {
        var keys = new List<string>();
        foreach (var raw in BoundedFile.ReadAllText(file, BoundedFile.KeyFileBytes).Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2) throw new SshKeyFormatException($"{file}: not a public key");
            // Parsed to be sure it is a key; the line goes on as the user wrote it.
            _ = SshPublicKey.FromBlob(Convert.FromBase64String(parts[1]));
            if (line.Contains('\n', StringComparison.Ordinal) || line.Contains('\r', StringComparison.Ordinal)) throw new SshKeyFormatException($"{file}: bad line");
            keys.Add(line);
        }
        if (keys.Count == 0) throw new SshKeyFormatException($"{file}: no public key");
        return keys;
    }

    /// <summary>The remote shell script; the keys arrive on its stdin, one per line.</summary>
    private static string RemoteScript(bool force, bool dryRun)
    {
        string script =
            "cd || exit 1; umask 077; f=.ssh/authorized_keys; " +
            "while IFS= read -r k; do [ -n \"$k\" ] || continue; " +
            "b=$(printf \"%s\\n\" \"$k\" | cut -d\" \" -f1-2); " +
            (force ? "" : "if [ -f \"$f\" ] && grep -qF -- \"$b\" \"$f\"; then echo \"skip $b\"; continue; fi; ") +
            (dryRun ? "echo \"would $b\"; continue; " : "") +
            "mkdir -p .ssh || exit 1; " +
            "if [ -s \"$f\" ] && [ -n \"$(tail -c1 \"$f\")\" ]; then echo >> \"$f\" || exit 1; fi; " +
            "printf \"%s\\n\" \"$k\" >> \"$f\" || exit 1; echo \"added $b\"; done";
        return "exec sh -c '" + script + "'";
    }

    private static async Task<(int Exit, List<string> Output)> RunRemoteAsync(List<string> sshArgs, string destination, string command, List<string> keys)
    {
        string exe = Environment.ProcessPath ?? "hop";
        var psi = new ProcessStartInfo(exe)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
        };
        if (Path.GetFileNameWithoutExtension(exe) == "dotnet") psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "hop.dll"));
        psi.ArgumentList.Add("ssh");
        foreach (var a in sshArgs) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("-T");
        psi.ArgumentList.Add(destination);
        psi.ArgumentList.Add(command);
        using var child = Process.Start(psi) ?? throw new SshException("cannot run hop ssh");
        var reading = child.StandardOutput.ReadToEndAsync();
        try
        {
            foreach (var k in keys) await child.StandardInput.WriteAsync(k + "\n").ConfigureAwait(false);
            child.StandardInput.Close();
        }
        catch (IOException)
        {
            // hop ssh ended early (login failed); its exit status says so.
        }
        string output = await reading.ConfigureAwait(false);
        await child.WaitForExitAsync().ConfigureAwait(false);
        return (child.ExitCode, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList());
    }
}
