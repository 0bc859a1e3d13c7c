using System.Text;

namespace Hop.Ssh.Keys.Formats;

/// <summary>
/// Reads public keys in the forms users meet: OpenSSH's one line ("type base64 comment", also an
/// authorized_keys line with options before it), RFC 4716 ("---- BEGIN SSH2 PUBLIC KEY ----"),
/// PEM "PUBLIC KEY" (X.509 SubjectPublicKeyInfo) and "RSA PUBLIC KEY" (PKCS#1), and the public part of
/// a PuTTY .ppk file.
/// </summary>
public static class PublicKeyFile
{
    /// <summary>Parses the first key in <paramref name="text"/>.</summary>
    /// <exception cref="SshKeyFormatException">no key in a known format.</exception>
    public static (SshPublicKey Key, string Comment) Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (trimmed.StartsWith("---- BEGIN SSH2 PUBLIC KEY ----", StringComparison.Ordinal)) return Rfc4716PublicKey.Parse(trimmed);
        if (trimmed.StartsWith("PuTTY-User-Key-File-", StringComparison.Ordinal)) return PpkPublicPart.Parse(trimmed);
        string? label = PemBlock.FindLabel(trimmed);
        if (label is "PUBLIC KEY" or "RSA PUBLIC KEY" && trimmed.StartsWith("-----BEGIN ", StringComparison.Ordinal))
            return (PemPublicKey.Parse(PemBlock.Parse(trimmed)), "");
        foreach (var raw in trimmed.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            return ParseOpenSshLine(line);
        }
        throw new SshKeyFormatException("invalid format (no public key found)");
    }

    /// <summary>Reads and parses a public key file.</summary>
    public static (SshPublicKey Key, string Comment) Load(string path)
    {
        string text;
        try
        {
            text = BoundedFile.ReadAllText(path, BoundedFile.KeyFileBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SshKeyFormatException($"{path}: {(e is FileNotFoundException or DirectoryNotFoundException ? "No such file or directory" : e.Message)}", e);
        }
        try
        {
            return Parse(text);
        }
        catch (SshKeyFormatException e)
        {
            throw new SshKeyFormatException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Parses "[options] type base64 [comment]". Options (authorized_keys) are skipped: a field that is not
    /// a key type is taken as the options, honouring double quotes.
    /// </summary>
    public static (SshPublicKey Key, string Comment) ParseOpenSshLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        line = line.Trim();
        if (!TryParseKeyFields(line, out var result))
        {
            string rest = SkipOptions(line);
            if (!TryParseKeyFields(rest, out result)) throw new SshKeyFormatException("invalid format (not a public key line)");
        }
        return result;
    }

    private static bool TryParseKeyFields(string s, out (SshPublicKey, string) result)
    {
        result = default;
        var parts = s.Split([' ', '\t'], 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2 || !LooksLikeKeyType(parts[0])) return false;
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(parts[1]);
        }
        catch (FormatException)
        {
            throw new SshKeyFormatException("invalid format (bad base64 in public key)");
        }
        var key = SshPublicKey.FromBlob(blob);
        if (key.KeyType != parts[0]) throw new SshKeyFormatException($"key type {parts[0]} does not match the key ({key.KeyType})");
        result = (key, parts.Length > 2 ? parts[2].Trim() : "");
        return true;
    }

    private static bool LooksLikeKeyType(string s) =>
        s is "ssh-ed25519" or "ssh-rsa" or "ssh-dss" or "ssh-ed448"
        || s.StartsWith("ecdsa-sha2-", StringComparison.Ordinal)
        || s.StartsWith("sk-", StringComparison.Ordinal)
        || s.EndsWith("-cert-v01@openssh.com", StringComparison.Ordinal);

    private static string SkipOptions(string line)
    {
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '\\' && quoted && i + 1 < line.Length) { i++; continue; }
            if (c == '"') quoted = !quoted;
            else if (!quoted && (c == ' ' || c == '\t')) return line[i..].TrimStart();
        }
        throw new SshKeyFormatException("invalid format (not a public key line)");
    }

    internal static string Utf8(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b);
}
