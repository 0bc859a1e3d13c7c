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

/// <summary>What <see cref="KnownHostsUpdate.Plan"/> found for an announcement of host keys.</summary>
/// <param name="NewKeys">Offered keys not on file for the host: the server must prove them before they are learned.</param>
/// <param name="OldKeys">Lines for the host whose keys the server no longer offers.</param>
/// <param name="SkipReason">Why known_hosts must be left as it is (OpenSSH's debug words), or null to go on.</param>
public sealed record KnownHostsUpdatePlan(IReadOnlyList<SshPublicKey> NewKeys, IReadOnlyList<KnownHostsEntry> OldKeys, string? SkipReason);

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

    /// <summary>
    /// What an announcement of <paramref name="serverKeys"/> would change in the user's known_hosts files, by OpenSSH's
    /// rules (clientloop.c hostkeys_find): keys not on file for the host are new, keys on file for the host that the
    /// server no longer offers are old. The update is skipped (<see cref="KnownHostsUpdatePlan.SkipReason"/>) when a line
    /// for the host carries a marker or a wildcard or more than "host,ip", when an offered key is on file under another
    /// name, or when an old key is also on file under another name.
    /// </summary>
    public static KnownHostsUpdatePlan Plan(IReadOnlyList<string> userFiles, string host, int port, IReadOnlyList<SshPublicKey> serverKeys, string? ipAddress = null)
    {
        ArgumentNullException.ThrowIfNull(userFiles);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(serverKeys);
        string name = HashedHostName.LookupName(host, port);
        string? ipName = ipAddress is null ? null : HashedHostName.LookupName(ipAddress, port);
        var problems = new List<KnownHostsProblem>();
        var matched = new bool[serverKeys.Count];
        var old = new List<KnownHostsEntry>();
        var others = new List<KnownHostsEntry>();
        bool complex = false, otherName = false;
        foreach (string file in userFiles)
        {
            List<KnownHostsRawLine> lines;
            try
            {
                lines = KnownHostsFile.ReadRaw(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return new KnownHostsUpdatePlan([], [], $"hostkeys_foreach failed for {file}: {e.Message}");
            }
            foreach (var raw in lines)
            {
                if (raw.Kind != KnownHostsLineKind.Key) continue;
                var entry = KnownHostsFile.ToEntry(file, raw, problems);
                if (entry is null) continue;
                bool hostMatch = HashedHostName.MatchesHostField(raw.Hosts, name) == 1;
                bool ipMatch = ipName is not null && HashedHostName.MatchesHostField(raw.Hosts, ipName) == 1;
                if (!hostMatch && !ipMatch)
                {
                    if (entry.Key is not null && IndexOf(serverKeys, entry.Key) >= 0) otherName = true;
                    others.Add(entry);
                    continue;
                }
                if (raw.Marker != KnownHostsMarker.None)
                {
                    complex = true;
                    continue;
                }
                if (ipName is not null && raw.Hosts.Contains(',', StringComparison.Ordinal) && (!hostMatch || !ipMatch))
                {
                    otherName = true;
                    if (!hostMatch) continue;
                }
                if (IsComplexHostSpec(raw.Hosts))
                {
                    complex = true;
                    continue;
                }
                int index = IndexOf(serverKeys, entry.Key);
                if (index >= 0) matched[index] = true;
                else old.Add(entry);
            }
        }
        var fresh = serverKeys.Where((_, i) => !matched[i]).ToList();
        if (fresh.Count == 0 && old.Count == 0) return new KnownHostsUpdatePlan([], [], "no new or deprecated keys from server");
        if (complex)
            return new KnownHostsUpdatePlan(fresh, old, "CA/revocation marker, manual host list or wildcard host pattern found, skipping UserKnownHostsFile update");
        if (otherName)
            return new KnownHostsUpdatePlan(fresh, old, "host key found matching a different name/address, skipping UserKnownHostsFile update");
        if (old.Any(o => o.Key is not null && others.Any(e => o.Key.Equals(e.Key))))
            return new KnownHostsUpdatePlan(fresh, old, $"key(s) for {name}{(ipName is null ? "" : "," + ipName)} exist under other names; skipping UserKnownHostsFile update");
        return new KnownHostsUpdatePlan(fresh, old, null);
    }

    /// <summary>Wildcards, or more than "host,ip": lines ssh never writes, which UpdateHostKeys leaves alone.</summary>
    private static bool IsComplexHostSpec(string hosts)
    {
        if (hosts.Contains('*', StringComparison.Ordinal) || hosts.Contains('?', StringComparison.Ordinal)) return true;
        int comma = hosts.IndexOf(',', StringComparison.Ordinal);
        return comma >= 0 && hosts.IndexOf(',', comma + 1) >= 0;
    }

    private static int IndexOf(IReadOnlyList<SshPublicKey> keys, SshPublicKey? key)
    {
        if (key is null) return -1;
        for (int i = 0; i < keys.Count; i++)
            if (keys[i].Equals(key)) return i;
        return -1;
    }
}
