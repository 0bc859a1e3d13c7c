using System.Text;
using Hop.Ssh.Keys;

namespace Hop.Ssh.Config;

/// <summary>The outcome of a host key check.</summary>
public enum KnownHostStatus
{
    /// <summary>The key is listed for the host.</summary>
    Known,
    /// <summary>No key of this type is listed for the host (others may be: see <see cref="KnownHostsResult.OtherKeys"/>).</summary>
    NotFound,
    /// <summary>A different key of the same type is listed: "REMOTE HOST IDENTIFICATION HAS CHANGED".</summary>
    Changed,
    /// <summary>The key is marked @revoked for the host.</summary>
    Revoked,
}

/// <summary>What <see cref="KnownHosts.Check"/> found.</summary>
public sealed record KnownHostsResult(
    KnownHostStatus Status,
    string LookupName,
    SshPublicKey Key,
    KnownHostsEntry? Entry,
    IReadOnlyList<KnownHostsEntry> OldKeys,
    IReadOnlyList<KnownHostsEntry> OtherKeys,
    IReadOnlyList<string> KnownKeyTypes,
    IReadOnlyList<KnownHostsProblem> Problems)
{
    // Entry: the matching line for Known and Revoked; the first old key's line for Changed.
    // OldKeys: the lines holding other keys of the same type (Changed).
    // OtherKeys: lines for the host with keys of other types ("but keys of different type are already known").
    // KnownKeyTypes: the key types listed for the host, in file order (to order HostKeyAlgorithms).
    // Problems: malformed lines met on the way (file:line), all skipped.
}

/// <summary>
/// known_hosts as OpenSSH reads and writes it: plain and hashed names, [host]:port, patterns with
/// negation, @cert-authority and @revoked, several files. Malformed lines are reported and skipped and can
/// never make a host look known.
/// </summary>
public static class KnownHosts
{
    /// <summary>Checks a host key against the files (UserKnownHostsFile entries, then GlobalKnownHostsFile).</summary>
    /// <param name="host">The host name (lower case, as ssh uses it), or the HostKeyAlias (then pass port 22).</param>
    /// <param name="port">The port; names for ports other than 22 are looked up as "[host]:port".</param>
    /// <param name="key">The key the server presented.</param>
    /// <param name="files">The files to search, in order.</param>
    /// <param name="extra">Lines from elsewhere, searched after the files (what KnownHostsCommand printed).</param>
    public static KnownHostsResult Check(string host, int port, SshPublicKey key, IReadOnlyList<string> files,
        IReadOnlyList<KnownHostsEntry>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(files);
        string name = HashedHostName.LookupName(host, port);
        var problems = new List<KnownHostsProblem>();
        var lines = new List<KnownHostsEntry>();
        foreach (string file in files)
            lines.AddRange(KnownHostsFile.Read(file, problems).Where(e => e.Marker != KnownHostsMarker.CertAuthority && e.Matches(name)));
        if (extra is not null) lines.AddRange(extra.Where(e => e.Marker != KnownHostsMarker.CertAuthority && e.Matches(name)));

        var plain = lines.Where(e => e.Marker == KnownHostsMarker.None).ToList();
        var types = plain.Select(e => e.KeyType).Distinct(StringComparer.Ordinal).ToList();
        var other = plain.Where(e => e.KeyType != key.KeyType).ToList();
        var revoked = lines.FirstOrDefault(e => e.Marker == KnownHostsMarker.Revoked && key.Equals(e.Key));
        if (revoked is not null)
            return new KnownHostsResult(KnownHostStatus.Revoked, name, key, revoked, [], other, types, problems);
        var known = plain.FirstOrDefault(e => key.Equals(e.Key));
        if (known is not null)
            return new KnownHostsResult(KnownHostStatus.Known, name, key, known, [], other, types, problems);
        var old = plain.Where(e => e.KeyType == key.KeyType).ToList();
        if (old.Count > 0)
            return new KnownHostsResult(KnownHostStatus.Changed, name, key, old[0], old, other, types, problems);
        return new KnownHostsResult(KnownHostStatus.NotFound, name, key, null, [], other, types, problems);
    }

    /// <summary>
    /// Checks a host key the way ssh does for a resolved destination: under HostKeyAlias when set (without a port),
    /// else under HostName and Port, in UserKnownHostsFile then GlobalKnownHostsFile.
    /// </summary>
    public static KnownHostsResult Check(ResolvedConfig config, SshPublicKey key)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (host, port) = LookupHost(config);
        return Check(host, port, key, Files(config));
    }

    /// <summary>The name and port ssh looks a destination up under: (HostKeyAlias, 22) or (HostName, Port).</summary>
    public static (string Host, int Port) LookupHost(ResolvedConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.HostKeyAlias is string alias ? (alias, 22) : (config.HostName, config.Port);
    }

    /// <summary>UserKnownHostsFile entries followed by GlobalKnownHostsFile entries.</summary>
    public static IReadOnlyList<string> Files(ResolvedConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return [.. config.UserKnownHostsFiles, .. config.GlobalKnownHostsFiles];
    }

    /// <summary>The key types listed (not revoked, not CA) for a host, in file order.</summary>
    public static IReadOnlyList<string> KeyTypesFor(string host, int port, IReadOnlyList<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        string name = HashedHostName.LookupName(host, port);
        var problems = new List<KnownHostsProblem>();
        return files.SelectMany(f => KnownHostsFile.Read(f, problems))
            .Where(e => e.Marker == KnownHostsMarker.None && e.Matches(name))
            .Select(e => e.KeyType).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The @cert-authority lines that apply to a host (for host certificates).</summary>
    public static IReadOnlyList<KnownHostsEntry> CertificateAuthoritiesFor(string host, int port, IReadOnlyList<string> files,
        IReadOnlyList<KnownHostsEntry>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        string name = HashedHostName.LookupName(host, port);
        var problems = new List<KnownHostsProblem>();
        return files.SelectMany(f => KnownHostsFile.Read(f, problems)).Concat(extra ?? [])
            .Where(e => e.Marker == KnownHostsMarker.CertAuthority && e.Matches(name)).ToList();
    }

    /// <summary>
    /// Orders a default HostKeyAlgorithms list as OpenSSH does when the host is already known: the algorithms
    /// of the key types on file come first (their certificate forms included), the others after, each group
    /// in its original order. Use it only when HostKeyAlgorithms was not configured.
    /// </summary>
    public static IReadOnlyList<string> OrderHostKeyAlgorithms(IReadOnlyList<string> algorithms, IReadOnlyCollection<string> knownKeyTypes)
    {
        ArgumentNullException.ThrowIfNull(algorithms);
        ArgumentNullException.ThrowIfNull(knownKeyTypes);
        if (knownKeyTypes.Count == 0) return algorithms;
        var plainKnown = knownKeyTypes.Select(PlainKeyType).ToHashSet(StringComparer.Ordinal);
        var first = algorithms.Where(a => plainKnown.Contains(PlainKeyType(a))).ToList();
        return first.Concat(algorithms.Where(a => !plainKnown.Contains(PlainKeyType(a)))).ToList();
    }

    /// <summary>The key type an algorithm name uses: rsa-sha2-* → ssh-rsa, *-cert-v01@openssh.com → its plain type.</summary>
    public static string PlainKeyType(string algorithm)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        string a = algorithm.Replace("-cert-v01@openssh.com", "", StringComparison.Ordinal);
        if (a is "rsa-sha2-256" or "rsa-sha2-512") return "ssh-rsa";
        if (a.StartsWith("sk-ecdsa-sha2-nistp256", StringComparison.Ordinal)) return "sk-ecdsa-sha2-nistp256@openssh.com";
        if (a.StartsWith("sk-ssh-ed25519", StringComparison.Ordinal)) return "sk-ssh-ed25519@openssh.com";
        return a;
    }

    /// <summary>The line OpenSSH appends for a new host: "name keytype base64", the name hashed when asked.</summary>
    public static string FormatLine(string name, SshPublicKey key, bool hash)
    {
        ArgumentNullException.ThrowIfNull(key);
        return (hash ? HashedHostName.Hash(name) : name) + " " + key.ToOpenSshLine();
    }

    /// <summary>
    /// Appends a key for a host, atomically (temp file + rename), keeping the file's mode (a new file gets 0644
    /// like OpenSSH's, and a missing parent folder 0700). With <paramref name="ipAddress"/> (CheckHostIP) the address is
    /// recorded too: on the same line "host,ip" when not hashing, on a line of its own when hashing.
    /// </summary>
    public static void Add(string path, string host, int port, SshPublicKey key, bool hash, string? ipAddress = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(key);
        string name = HashedHostName.LookupName(host, port);
        var sb = new StringBuilder();
        if (ipAddress is null)
        {
            sb.Append(FormatLine(name, key, hash)).Append('\n');
        }
        else if (hash)
        {
            sb.Append(FormatLine(name, key, true)).Append('\n');
            sb.Append(FormatLine(HashedHostName.LookupName(ipAddress, port), key, true)).Append('\n');
        }
        else
        {
            sb.Append(FormatLine(name + "," + HashedHostName.LookupName(ipAddress, port), key, false)).Append('\n');
        }
        AtomicFile.Append(path, sb.ToString());
    }
}
