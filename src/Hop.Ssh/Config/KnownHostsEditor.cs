using System.Text;

namespace Hop.Ssh.Config;

/// <summary>
/// The known_hosts editors of ssh-keygen: -F (find), -R (remove) and -H (hash). Each writes what
/// ssh-keygen writes, to the same streams, and returns ssh-keygen's exit code (255 for a missing file).
/// </summary>
public static class KnownHostsEditor
{
    /// <summary>
    /// ssh-keygen -F host [-H] -f file: prints "# Host HOST found: line N [CA|REVOKED]" and the line for every
    /// line naming the host (hashed names included). Returns 0 when found, 1 otherwise.
    /// </summary>
    public static int Find(string path, string host, TextWriter output, bool hash = false, TextWriter? error = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(output);
        if (Missing(path, error ?? TextWriter.Null)) return 255;
        bool found = false;
        foreach (var line in KnownHostsFile.ReadRaw(path))
        {
            if (line.Kind != KnownHostsLineKind.Key || HashedHostName.MatchesHostField(line.Hosts, host) != 1) continue;
            found = true;
            string marker = line.Marker switch
            {
                KnownHostsMarker.CertAuthority => "CA",
                KnownHostsMarker.Revoked => "REVOKED",
                _ => "",
            };
            output.Write($"# Host {host} found: line {line.Number} {marker}\n");
            if (hash) HashLine(path, line, output, TextWriter.Null, out _);
            else output.Write(line.Text + "\n");
        }
        return found ? 0 : 1;
    }

    /// <summary>
    /// ssh-keygen -R host -f file: removes every unmarked line naming the host, keeping the previous file as
    /// FILE.old. A file with invalid lines is left alone (exit 1), as ssh-keygen does.
    /// </summary>
    public static int Remove(string path, string host, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (Missing(path, error)) return 255;
        var lines = KnownHostsFile.ReadRaw(path);
        var kept = new StringBuilder();
        bool invalid = false, removed = false;
        foreach (var line in lines)
        {
            if (line.Kind == KnownHostsLineKind.Invalid)
            {
                error.Write($"{path}:{line.Number}: invalid line\n");
                invalid = true;
            }
            else if (line.Kind == KnownHostsLineKind.Key && line.Marker == KnownHostsMarker.None
                && HashedHostName.MatchesHostField(line.Hosts, host) == 1)
            {
                output.Write($"# Host {host} found: line {line.Number}\n");
                removed = true;
                continue;
            }
            kept.Append(line.Text).Append('\n');
        }
        if (invalid) return NotReplacing(path, error);
        if (!removed)
        {
            error.Write($"Host {host} not found in {path}\n");
            return 0;
        }
        AtomicFile.Write(path, Encoding.UTF8.GetBytes(kept.ToString()), path + ".old");
        output.Write($"{path} updated.\nOriginal contents retained as {path}.old\n");
        return 0;
    }

    /// <summary>
    /// ssh-keygen -H -f file: replaces every plain host name by its hash (one line per name of a comma list),
    /// leaving hashed lines, wildcard patterns and marked lines as they are; the old file is kept as FILE.old.
    /// </summary>
    public static int Hash(string path, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (Missing(path, error)) return 255;
        var lines = KnownHostsFile.ReadRaw(path);
        var sw = new StringWriter();
        bool invalid = false, hashedSome = false;
        foreach (var line in lines)
        {
            if (line.Kind == KnownHostsLineKind.Invalid)
            {
                error.Write($"{path}:{line.Number}: invalid line\n");
                invalid = true;
                sw.Write(line.Text + "\n");
            }
            else if (line.Kind == KnownHostsLineKind.Comment)
            {
                sw.Write(line.Text + "\n");
            }
            else
            {
                HashLine(path, line, sw, error, out bool hashed);
                hashedSome |= hashed;
            }
        }
        if (invalid) return NotReplacing(path, error);
        AtomicFile.Write(path, Encoding.UTF8.GetBytes(sw.ToString()), path + ".old");
        output.Write($"{path} updated.\nOriginal contents retained as {path}.old\n");
        if (hashedSome)
            error.Write($"WARNING: {path}.old contains unhashed entries\nDelete this file to ensure privacy of hostnames\n");
        return 0;
    }

    private static void HashLine(string path, KnownHostsRawLine line, TextWriter output, TextWriter error, out bool hashed)
    {
        hashed = false;
        bool wild = line.Hosts.IndexOfAny(['*', '?', '!']) >= 0;
        if (line.Hosts.StartsWith('|') || wild || line.Marker != KnownHostsMarker.None)
        {
            output.Write(line.Text + "\n");
            if (wild)
            {
                string hosts = line.Hosts.Length > 64 ? line.Hosts[..64] : line.Hosts;
                error.Write($"{path}:{line.Number}: ignoring host name with wildcard: {hosts}\n");
            }
            return;
        }
        foreach (string name in line.Hosts.Split(','))
            output.Write(HashedHostName.Hash(name.ToLowerInvariant()) + " " + line.KeyPart + "\n");
        hashed = true;
    }

    /// <summary>ssh-keygen's answer to a file that is not there: "Cannot stat FILE: ...", exit 255.</summary>
    private static bool Missing(string path, TextWriter error)
    {
        if (File.Exists(path)) return false;
        error.Write($"Cannot stat {path}: No such file or directory\n");
        return true;
    }

    private static int NotReplacing(string path, TextWriter error)
    {
        error.Write($"{path} is not a valid known_hosts file.\nNot replacing existing known_hosts file because of errors\n");
        return 1;
    }
}
