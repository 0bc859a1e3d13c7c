namespace Hop.Ssh.Keys.Formats;

/// <summary>
/// The text layout of a PuTTY .ppk file (PuTTY manual appendix C): "Name: value" lines, where
/// "Public-Lines: N" and "Private-Lines: N" are followed by N lines of base64.
/// <code>
/// PuTTY-User-Key-File-3: ssh-ed25519
/// Encryption: none | aes256-cbc
/// Comment: text
/// Public-Lines: N      (base64 of the public key blob)
/// Key-Derivation: Argon2id | Argon2i | Argon2d      (v3, encrypted only)
/// Argon2-Memory: KiB   Argon2-Passes: n   Argon2-Parallelism: n   Argon2-Salt: hex
/// Private-Lines: N     (base64 of the private fields, maybe encrypted)
/// Private-MAC: hex     (v2: HMAC-SHA-1; v3: HMAC-SHA-256)
/// </code>
/// </summary>
internal sealed class PpkFields
{
    private readonly List<(string Name, string Value)> _fields = [];

    public int Version { get; private set; }
    public string KeyType { get; private set; } = "";

    public string Get(string name) =>
        _fields.FirstOrDefault(f => f.Name == name).Value ?? throw new SshKeyFormatException($"invalid format (ppk field {name} missing)");

    public string? TryGet(string name) => _fields.FirstOrDefault(f => f.Name == name).Value;

    public static bool IsPpk(string text) => text.TrimStart('\uFEFF').StartsWith("PuTTY-User-Key-File-", StringComparison.Ordinal);

    public static PpkFields Parse(string text)
    {
        var result = new PpkFields();
        var lines = text.TrimStart('\uFEFF').Replace("\r", "", StringComparison.Ordinal).Split('\n');
        int i = 0;
        bool first = true;
        while (i < lines.Length)
        {
            string line = lines[i++];
            if (line.Length == 0) continue;
            int colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon <= 0) throw new SshKeyFormatException("invalid format (ppk line without a field name)");
            string name = line[..colon];
            string value = line[(colon + 2)..];
            if (first)
            {
                result.Version = name switch
                {
                    "PuTTY-User-Key-File-2" => 2,
                    "PuTTY-User-Key-File-3" => 3,
                    "PuTTY-User-Key-File-1" => throw new SshKeyFormatException("PuTTY key format too old"),
                    _ when name.StartsWith("PuTTY-User-Key-File-", StringComparison.Ordinal) => throw new SshKeyFormatException("PuTTY key format too new"),
                    _ => throw new SshKeyFormatException("invalid format (not a PuTTY key file)"),
                };
                result.KeyType = value;
                first = false;
                continue;
            }
            if (name is "Public-Lines" or "Private-Lines")
            {
                if (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) || n < 0 || n > 4096 || n > lines.Length - i)
                    throw new SshKeyFormatException($"invalid format (bad {name})");
                value = string.Concat(lines.AsSpan(i, n).ToArray().Select(l => l.Trim()));
                i += n;
            }
            result._fields.Add((name, value));
        }
        if (first) throw new SshKeyFormatException("invalid format (empty ppk file)");
        return result;
    }
}

/// <summary>The public key of a .ppk file, readable without the passphrase.</summary>
internal static class PpkPublicPart
{
    public static (SshPublicKey Key, string Comment) Parse(string text)
    {
        var f = PpkFields.Parse(text);
        var key = SshPublicKey.FromBlob(PemBlock.DecodeBase64(f.Get("Public-Lines")));
        if (key.KeyType != f.KeyType) throw new SshKeyFormatException("invalid format (ppk key type does not match its public key)");
        return (key, f.TryGet("Comment") ?? "");
    }
}
