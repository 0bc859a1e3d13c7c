using Hop.Ssh.Keys;

namespace Hop.Ssh.Config;

/// <summary>The marker at the start of a known_hosts line.</summary>
public enum KnownHostsMarker
{
    None,
    /// <summary>@cert-authority: the key is a CA trusted to sign host certificates for the hosts.</summary>
    CertAuthority,
    /// <summary>@revoked: the key must never be accepted for the hosts.</summary>
    Revoked,
}

/// <summary>One key line of a known_hosts file.</summary>
/// <param name="File">The file it was read from.</param>
/// <param name="Line">1-based line number.</param>
/// <param name="Marker">@cert-authority, @revoked or none.</param>
/// <param name="Hosts">The host field as written: a pattern-list, or one hashed name "|1|salt|hash".</param>
/// <param name="KeyType">The key type name as written.</param>
/// <param name="Key">The parsed key, or null when Hop does not support its type (ssh-dss, sk-...).</param>
/// <param name="Comment">What follows the key, or null.</param>
/// <param name="RawLine">The line exactly as in the file (without the newline).</param>
public sealed record KnownHostsEntry(
    string File,
    int Line,
    KnownHostsMarker Marker,
    string Hosts,
    string KeyType,
    SshPublicKey? Key,
    string? Comment,
    string RawLine)
{
    /// <summary>True when the host field is a hashed name (HashKnownHosts).</summary>
    public bool IsHashed => Hosts.StartsWith('|');

    /// <summary>Whether this line names <paramref name="lookupName"/> (a host, or "[host]:port" for other ports).</summary>
    public bool Matches(string lookupName) => HashedHostName.MatchesHostField(Hosts, lookupName) == 1;

    public override string ToString() => $"{File}:{Line}";
}

/// <summary>A known_hosts line that could not be used, reported and skipped.</summary>
/// <param name="File">The file.</param>
/// <param name="Line">1-based line number.</param>
/// <param name="Message">Why it was skipped.</param>
public sealed record KnownHostsProblem(string File, int Line, string Message)
{
    public override string ToString() => $"{File}:{Line}: {Message}";
}
