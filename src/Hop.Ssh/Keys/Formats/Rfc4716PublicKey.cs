using System.Text;

namespace Hop.Ssh.Keys.Formats;

/// <summary>
/// The SSH public key file format of RFC 4716 (ssh-keygen -e / -i): "---- BEGIN SSH2 PUBLIC KEY ----",
/// headers "Tag: value" (a trailing backslash continues a line), base64 of the key blob,
/// "---- END SSH2 PUBLIC KEY ----". Lines are at most 72 bytes.
/// </summary>
public static class Rfc4716PublicKey
{
    private const string Begin = "---- BEGIN SSH2 PUBLIC KEY ----";
    private const string End = "---- END SSH2 PUBLIC KEY ----";

    public static (SshPublicKey Key, string Comment) Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        int i = 0;
        while (i < lines.Length && lines[i].Trim() != Begin) i++;
        if (i == lines.Length) throw new SshKeyFormatException("invalid format (no RFC 4716 BEGIN line)");
        i++;
        string comment = "";
        var body = new StringBuilder();
        bool ended = false;
        for (; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.Trim() == End)
            {
                ended = true;
                break;
            }
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (body.Length == 0 && colon > 0 && colon <= 64)
            {
                string tag = line[..colon];
                var value = new StringBuilder(line[(colon + 1)..].TrimStart());
                while (value.Length > 0 && value[^1] == '\\' && i + 1 < lines.Length)
                {
                    value.Length--;
                    value.Append(lines[++i]);
                }
                if (tag.Equals("Comment", StringComparison.OrdinalIgnoreCase))
                {
                    string v = value.ToString().Trim();
                    if (v.Length >= 2 && v[0] == '"' && v[^1] == '"') v = v[1..^1];
                    comment = v;
                }
                continue;
            }
            body.Append(line.Trim());
        }
        if (!ended) throw new SshKeyFormatException("invalid format (no RFC 4716 END line)");
        var key = SshPublicKey.FromBlob(PemBlock.DecodeBase64(body.ToString()));
        return (key, comment);
    }

    /// <summary>Writes the key as ssh-keygen -e does (Comment header, 70-column base64).</summary>
    public static string Write(SshPublicKey key, string comment)
    {
        ArgumentNullException.ThrowIfNull(key);
        var sb = new StringBuilder();
        sb.Append(Begin).Append('\n');
        if (!string.IsNullOrEmpty(comment))
        {
            string header = $"Comment: \"{comment}\"";
            // Header lines are at most 72 bytes; continuation lines end with a backslash.
            while (header.Length > 72)
            {
                sb.Append(header, 0, 71).Append("\\\n");
                header = header[71..];
            }
            sb.Append(header).Append('\n');
        }
        string b64 = Convert.ToBase64String(key.Blob);
        for (int i = 0; i < b64.Length; i += 70) sb.Append(b64, i, Math.Min(70, b64.Length - i)).Append('\n');
        sb.Append(End).Append('\n');
        return sb.ToString();
    }
}
