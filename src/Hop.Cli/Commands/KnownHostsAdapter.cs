using Hop.Ssh.Keys;

namespace Hop.Cli.Commands;

internal enum KnownHostStatus { NotFound, Known, Changed, Revoked }

internal sealed record KnownHostResult(KnownHostStatus Status, string? File = null, int Line = 0, string? OldKeyType = null);

/// <summary>
/// TEMPORARY: a minimal known_hosts reader (plain "host" and "[host]:port" names only) until
/// the full reader of Hop.Ssh.Config lands; it is replaced by calls into that library.
/// </summary>
internal static class KnownHostsAdapter
{
    private static string Name(string host, int port) => port == 22 ? host : $"[{host}]:{port}";

    private static IEnumerable<(string File, int Line, SshPublicKey Key, bool Revoked)> Entries(string host, int port, IReadOnlyList<string> files)
    {
        string name = Name(host, port);
        foreach (var f in files)
        {
            if (!File.Exists(f)) continue;
            int n = 0;
            foreach (var raw in File.ReadLines(f))
            {
                n++;
                var line = raw.Trim();
                if (line.Length == 0 || line[0] == '#') continue;
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                bool revoked = false;
                if (parts[0].StartsWith('@'))
                {
                    revoked = parts[0] == "@revoked";
                    if (!revoked) continue;
                    parts = parts[1..];
                }
                if (parts.Length < 3) continue;
                if (!parts[0].Split(',').Contains(name, StringComparer.OrdinalIgnoreCase)) continue;
                SshPublicKey key;
                try
                {
                    key = SshPublicKey.FromBlob(Convert.FromBase64String(parts[2]));
                }
                catch (Exception e) when (e is FormatException or Hop.Ssh.SshException)
                {
                    continue;
                }
                yield return (f, n, key, revoked);
            }
        }
    }

    public static KnownHostResult Check(string host, int port, SshPublicKey key, IReadOnlyList<string> files)
    {
        KnownHostResult? changed = null;
        KnownHostResult? known = null;
        foreach (var e in Entries(host, port, files))
        {
            if (e.Revoked && e.Key.Equals(key)) return new KnownHostResult(KnownHostStatus.Revoked, e.File, e.Line);
            if (e.Revoked) continue;
            if (e.Key.Equals(key)) known ??= new KnownHostResult(KnownHostStatus.Known, e.File, e.Line);
            else if (e.Key.KeyType == key.KeyType) changed ??= new KnownHostResult(KnownHostStatus.Changed, e.File, e.Line, e.Key.KeyType);
        }
        return known ?? changed ?? new KnownHostResult(KnownHostStatus.NotFound);
    }

    public static HashSet<string> KeyTypesFor(string host, int port, IReadOnlyList<string> files) =>
        [.. Entries(host, port, files).Where(e => !e.Revoked).Select(e => e.Key.KeyType)];

    public static void Add(string path, string host, int port, SshPublicKey key, bool hash)
    {
        _ = hash;
        var dir = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        File.AppendAllText(path, $"{Name(host, port)} {key.ToOpenSshLine()}\n");
    }
}
