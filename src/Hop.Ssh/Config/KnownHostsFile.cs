using System.Text;
using Hop.Ssh.Keys;

namespace Hop.Ssh.Config;

/// <summary>The kind of a known_hosts line, as OpenSSH's hostkeys_foreach classifies it.</summary>
internal enum KnownHostsLineKind
{
    /// <summary>Blank or comment: kept verbatim by the editors.</summary>
    Comment,
    /// <summary>A host field and a known key type: a key line.</summary>
    Key,
    /// <summary>Anything else: "invalid line".</summary>
    Invalid,
}

/// <summary>One line split into fields without decoding the key (what ssh-keygen -F/-R/-H look at).</summary>
internal sealed record KnownHostsRawLine(
    int Number,
    string Text,
    KnownHostsLineKind Kind,
    KnownHostsMarker Marker,
    string Hosts,
    string KeyType,
    string KeyData,
    string? Comment,
    string KeyPart);

/// <summary>Reads known_hosts files line by line, bounded, never throwing for bad content.</summary>
internal static class KnownHostsFile
{
    /// <summary>Longer lines are reported and skipped.</summary>
    public const int MaxLineChars = 64 * 1024;

    /// <summary>Key type names OpenSSH accepts in known_hosts (sshkey_type_from_name).</summary>
    private static readonly HashSet<string> KnownKeyTypes = new(StringComparer.Ordinal)
    {
        "ssh-ed25519", "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ecdsa-sha2-nistp256@openssh.com", "sk-ssh-ed25519@openssh.com", "ssh-xmss@openssh.com",
        "ssh-ed25519-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com", "ssh-dss-cert-v01@openssh.com",
        "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com",
        "ecdsa-sha2-nistp521-cert-v01@openssh.com", "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
        "sk-ssh-ed25519-cert-v01@openssh.com", "ssh-xmss-cert-v01@openssh.com",
        "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
    };

    /// <summary>Reads every line of a file; an absent file gives no lines.</summary>
    public static List<KnownHostsRawLine> ReadRaw(string path)
    {
        if (!File.Exists(path)) return [];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        using var reader = new StreamReader(stream, new UTF8Encoding(false, false));
        return ReadRaw(reader);
    }

    /// <summary>Reads every line of known_hosts text (a file, or what KnownHostsCommand printed).</summary>
    public static List<KnownHostsRawLine> ReadRaw(TextReader reader)
    {
        var lines = new List<KnownHostsRawLine>();
        var sb = new StringBuilder();
        int number = 0;
        while (true)
        {
            sb.Clear();
            int c;
            bool any = false, tooLong = false;
            while ((c = reader.Read()) >= 0)
            {
                any = true;
                if (c == '\n') break;
                if (sb.Length < MaxLineChars) sb.Append((char)c);
                else tooLong = true;
            }
            if (!any) break;
            number++;
            lines.Add(tooLong
                ? new KnownHostsRawLine(number, sb.ToString(), KnownHostsLineKind.Invalid, KnownHostsMarker.None, "", "", "", null, "")
                : Split(number, sb.ToString()));
        }
        return lines;
    }

    /// <summary>Splits one line as hostkeys_foreach does.</summary>
    public static KnownHostsRawLine Split(int number, string text)
    {
        KnownHostsRawLine Invalid() => new(number, text, KnownHostsLineKind.Invalid, KnownHostsMarker.None, "", "", "", null, "");
        int i = 0;
        SkipBlank(text, ref i);
        if (i >= text.Length || text[i] == '#' || text[i] is '\r' or '\n')
            return new(number, text, KnownHostsLineKind.Comment, KnownHostsMarker.None, "", "", "", null, "");
        var marker = KnownHostsMarker.None;
        if (text[i] == '@')
        {
            string word = NextWord(text, ref i);
            marker = word switch
            {
                "@cert-authority" => KnownHostsMarker.CertAuthority,
                "@revoked" => KnownHostsMarker.Revoked,
                _ => (KnownHostsMarker)(-1),
            };
            if ((int)marker < 0) return Invalid();
            SkipBlank(text, ref i);
        }
        string hosts = NextWord(text, ref i);
        SkipBlank(text, ref i);
        if (hosts.Length == 0 || i >= text.Length) return Invalid();
        if (hosts.StartsWith('|') && !HashedHostName.TryParse(hosts, out _, out _)) return Invalid();
        string keyPart = text[i..];
        string keyType = NextWord(text, ref i);
        if (!KnownKeyTypes.Contains(keyType)) return Invalid();
        int beforeData = i;
        SkipBlank(text, ref i);
        if (i == beforeData || i >= text.Length) return Invalid();
        string keyData = NextWord(text, ref i).TrimEnd('\r');
        SkipBlank(text, ref i);
        string? comment = i < text.Length ? text[i..].TrimEnd('\r', ' ', '\t') : null;
        if (comment is { Length: 0 }) comment = null;
        return new(number, text, KnownHostsLineKind.Key, marker, hosts, keyType, keyData, comment, keyPart);
    }

    /// <summary>Decodes the key of a key line; null with a problem message when it cannot be used.</summary>
    public static KnownHostsEntry? ToEntry(string path, KnownHostsRawLine raw, List<KnownHostsProblem> problems)
    {
        if (raw.Kind == KnownHostsLineKind.Comment) return null;
        if (raw.Kind == KnownHostsLineKind.Invalid)
        {
            problems.Add(new KnownHostsProblem(path, raw.Number, "invalid line"));
            return null;
        }
        if (raw.Hosts.StartsWith('|') && !HashedHostName.TryParse(raw.Hosts, out _, out _))
        {
            problems.Add(new KnownHostsProblem(path, raw.Number, "bad host hash"));
            return null;
        }
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(raw.KeyData);
        }
        catch (FormatException)
        {
            problems.Add(new KnownHostsProblem(path, raw.Number, "invalid key (bad base64)"));
            return null;
        }
        SshPublicKey? key = null;
        try
        {
            key = SshPublicKey.FromBlob(blob);
        }
        catch (SshKeyFormatException e) when (e.Message.StartsWith("unsupported key type", StringComparison.Ordinal) && BlobTypeIs(blob, raw.KeyType))
        {
            // A type Hop cannot use (ssh-dss, sk-..., certificates): kept so the host's key types are known.
        }
        catch (SshKeyFormatException e)
        {
            problems.Add(new KnownHostsProblem(path, raw.Number, "invalid key: " + e.Message));
            return null;
        }
        if (key is not null && key.KeyType != raw.KeyType)
        {
            problems.Add(new KnownHostsProblem(path, raw.Number, $"key type mismatch ({raw.KeyType} line holds a {key.KeyType} key)"));
            return null;
        }
        return new KnownHostsEntry(path, raw.Number, raw.Marker, raw.Hosts, raw.KeyType, key, raw.Comment, raw.Text);
    }

    /// <summary>Reads the usable key lines of a file, reporting the others.</summary>
    public static List<KnownHostsEntry> Read(string path, List<KnownHostsProblem> problems)
    {
        var entries = new List<KnownHostsEntry>();
        List<KnownHostsRawLine> raw;
        try
        {
            raw = ReadRaw(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(new KnownHostsProblem(path, 0, e.Message));
            return entries;
        }
        foreach (var line in raw)
            if (ToEntry(path, line, problems) is KnownHostsEntry entry) entries.Add(entry);
        return entries;
    }

    /// <summary>Reads the usable key lines of known_hosts text, naming them <paramref name="name"/>:line; reports the others.</summary>
    public static List<KnownHostsEntry> Read(string name, TextReader reader, List<KnownHostsProblem> problems)
    {
        var entries = new List<KnownHostsEntry>();
        foreach (var line in ReadRaw(reader))
            if (ToEntry(name, line, problems) is KnownHostsEntry entry) entries.Add(entry);
        return entries;
    }

    private static bool BlobTypeIs(byte[] blob, string type)
    {
        try
        {
            var r = new Hop.Ssh.Wire.SshReader(blob);
            return r.ReadName() == type;
        }
        catch (SshProtocolException)
        {
            return false;
        }
    }

    private static void SkipBlank(string s, ref int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t') i++;
    }

    private static string NextWord(string s, ref int i)
    {
        int start = i;
        while (i < s.Length && s[i] is not (' ' or '\t')) i++;
        return s[start..i];
    }
}
