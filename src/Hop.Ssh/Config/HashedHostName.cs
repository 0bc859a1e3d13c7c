using System.Security.Cryptography;
using System.Text;

namespace Hop.Ssh.Config;

/// <summary>
/// Hashed known_hosts names (HashKnownHosts): "|1|" base64(salt) "|" base64(HMAC-SHA1(key = salt, name)),
/// with a 20-byte random salt, as OpenSSH writes them.
/// </summary>
public static class HashedHostName
{
    private const string Magic = "|1|";
    private const int SaltBytes = 20;

    /// <summary>Hashes a name with a fresh random salt.</summary>
    public static string Hash(string name)
    {
        byte[] salt = RandomNumberGenerator.GetBytes(SaltBytes);
        return Hash(name, salt);
    }

    /// <summary>Hashes a name with the given salt (20 bytes).</summary>
    public static string Hash(string name, ReadOnlySpan<byte> salt)
    {
        ArgumentNullException.ThrowIfNull(name);
        byte[] mac = HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(name));
        return Magic + Convert.ToBase64String(salt) + "|" + Convert.ToBase64String(mac);
    }

    /// <summary>Splits "|1|salt|hash"; false when malformed.</summary>
    public static bool TryParse(string field, out byte[] salt, out byte[] hash)
    {
        salt = [];
        hash = [];
        if (field is null || !field.StartsWith(Magic, StringComparison.Ordinal)) return false;
        string rest = field[Magic.Length..];
        int bar = rest.IndexOf('|', StringComparison.Ordinal);
        if (bar <= 0 || bar == rest.Length - 1) return false;
        try
        {
            salt = Convert.FromBase64String(rest[..bar]);
            hash = Convert.FromBase64String(rest[(bar + 1)..]);
        }
        catch (FormatException)
        {
            return false;
        }
        return salt.Length == SaltBytes && hash.Length == SaltBytes;
    }

    /// <summary>
    /// match_maybe_hashed: 1 when the host field names <paramref name="name"/>, 0 when not,
    /// -1 when a negated pattern matched, -2 for a malformed hashed field.
    /// </summary>
    public static int MatchesHostField(string hostField, string name)
    {
        ArgumentNullException.ThrowIfNull(hostField);
        ArgumentNullException.ThrowIfNull(name);
        if (hostField.StartsWith('|'))
        {
            if (!TryParse(hostField, out byte[] salt, out byte[] hash)) return -2;
            byte[] mine = HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(name));
            return CryptographicOperations.FixedTimeEquals(mine, hash) ? 1 : 0;
        }
        return SshPattern.MatchHostName(name, hostField);
    }

    /// <summary>The name known_hosts uses for a host: "host" for port 22 (or 0), "[host]:port" otherwise.</summary>
    public static string LookupName(string host, int port) =>
        port is 0 or 22 ? host : $"[{host}]:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}
