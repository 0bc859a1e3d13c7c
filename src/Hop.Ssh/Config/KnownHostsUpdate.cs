using System.Text;
using Hop.Ssh.Keys;

namespace Hop.Ssh.Config;

/// <summary>What <see cref="KnownHostsUpdate.ReplaceHostKeys"/> changed.</summary>
/// <param name="Removed">The lines removed (their keys are no longer offered by the host).</param>
/// <param name="Added">The keys appended.</param>
public sealed record KnownHostsUpdateResult(IReadOnlyList<KnownHostsEntry> Removed, IReadOnlyList<SshPublicKey> Added)
{
    public bool Modified => Removed.Count > 0 || Added.Count > 0;
}

/// <summary>
/// UpdateHostKeys (hostkeys-00@openssh.com): once the server has proved it holds <c>keys</c>, make the file list exactly
/// those keys for the host, as OpenSSH's hostfile_replace_entries does: unmarked lines naming the host whose key is not in
/// the set are removed, @cert-authority/@revoked and other hosts' lines stay, the keys not yet on file are appended.
/// The previous file is kept as FILE.old. OpenSSH's preconditions (no wildcard or multi-name line for the host, keys not
/// also listed under other names) are the caller's to check before calling.
/// </summary>
public static class KnownHostsUpdate
{
    public static KnownHostsUpdateResult ReplaceHostKeys(string path, string host, int port, IReadOnlyList<SshPublicKey> keys, bool hash, string? ipAddress = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(keys);
        string name = HashedHostName.LookupName(host, port);
        string? ipName = ipAddress is null ? null : HashedHostName.LookupName(ipAddress, port);
        var problems = new List<KnownHostsProblem>();
        var seen = new bool[keys.Count];
        var removed = new List<KnownHostsEntry>();
        var output = new StringBuilder();
        foreach (var raw in KnownHostsFile.ReadRaw(path))
        {
            bool matched = raw.Kind == KnownHostsLineKind.Key && raw.Marker == KnownHostsMarker.None &&
                (HashedHostName.MatchesHostField(raw.Hosts, name) == 1 || (ipName is not null && HashedHostName.MatchesHostField(raw.Hosts, ipName) == 1));
            var entry = matched ? KnownHostsFile.ToEntry(path, raw, problems) : null;
            if (entry is not null)
            {
                int index = IndexOf(keys, entry.Key);
                if (index < 0)
                {
                    removed.Add(entry);
                    continue;
                }
                seen[index] = true;
            }
            output.Append(raw.Text).Append('\n');
        }
        var added = new List<SshPublicKey>();
        for (int i = 0; i < keys.Count; i++)
        {
            if (seen[i]) continue;
            added.Add(keys[i]);
            if (ipName is null) output.Append(KnownHosts.FormatLine(name, keys[i], hash)).Append('\n');
            else if (hash) output.Append(KnownHosts.FormatLine(name, keys[i], true)).Append('\n').Append(KnownHosts.FormatLine(ipName, keys[i], true)).Append('\n');
            else output.Append(KnownHosts.FormatLine(name + "," + ipName, keys[i], false)).Append('\n');
        }
        var result = new KnownHostsUpdateResult(removed, added);
        if (result.Modified) AtomicFile.Write(path, Encoding.UTF8.GetBytes(output.ToString()), path + ".old");
        return result;
    }

    private static int IndexOf(IReadOnlyList<SshPublicKey> keys, SshPublicKey? key)
    {
        if (key is null) return -1;
        for (int i = 0; i < keys.Count; i++)
            if (keys[i].Equals(key)) return i;
        return -1;
    }
}
