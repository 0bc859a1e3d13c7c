using System.Text;

namespace Hop.Ssh.Keys.Formats;

/// <summary>
/// One PEM-style armoured block (RFC 7468, with RFC 1421 headers such as Proc-Type and DEK-Info):
/// "-----BEGIN LABEL-----", optional "Name: value" headers and a blank line, base64, "-----END LABEL-----".
/// </summary>
internal sealed class PemBlock
{
    private PemBlock(string label, IReadOnlyDictionary<string, string> headers, byte[] data)
    {
        Label = label;
        Headers = headers;
        Data = data;
    }

    public string Label { get; }
    public IReadOnlyDictionary<string, string> Headers { get; }
    public byte[] Data { get; }

    /// <summary>Finds the label of the first BEGIN line, or null when there is none.</summary>
    public static string? FindLabel(string text)
    {
        int at = text.IndexOf("-----BEGIN ", StringComparison.Ordinal);
        if (at < 0) return null;
        int start = at + 11;
        int end = text.IndexOf("-----", start, StringComparison.Ordinal);
        if (end < 0) return null;
        return text[start..end];
    }

    /// <summary>Parses the first block; throws <see cref="SshKeyFormatException"/> when it is broken.</summary>
    public static PemBlock Parse(string text)
    {
        string label = FindLabel(text) ?? throw new SshKeyFormatException("no PEM BEGIN line");
        string begin = $"-----BEGIN {label}-----";
        string end = $"-----END {label}-----";
        int b = text.IndexOf(begin, StringComparison.Ordinal) + begin.Length;
        int e = text.IndexOf(end, b, StringComparison.Ordinal);
        if (e < 0) throw new SshKeyFormatException($"missing '{end}' line");
        var lines = text[b..e].Split('\n');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var body = new StringBuilder();
        bool inHeaders = true;
        string? lastHeader = null;
        foreach (var raw in lines)
        {
            string line = raw.Trim();
            if (inHeaders)
            {
                if (lastHeader is not null && raw.Length > 0 && (raw[0] == ' ' || raw[0] == '\t'))
                {
                    headers[lastHeader] += line;
                    continue;
                }
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    lastHeader = line[..colon].Trim();
                    headers[lastHeader] = line[(colon + 1)..].Trim();
                    continue;
                }
                if (line.Length == 0) continue;
                inHeaders = false;
            }
            body.Append(line);
        }
        return new PemBlock(label, headers, DecodeBase64(body.ToString()));
    }

    public static byte[] DecodeBase64(string s)
    {
        try
        {
            return Convert.FromBase64String(s);
        }
        catch (FormatException ex)
        {
            throw new SshKeyFormatException("invalid base64", ex);
        }
    }

    /// <summary>Armours <paramref name="data"/> with lines of <paramref name="width"/> characters.</summary>
    public static string Write(string label, ReadOnlySpan<byte> data, int width = 64, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        var sb = new StringBuilder();
        sb.Append("-----BEGIN ").Append(label).Append("-----\n");
        if (headers is not null)
        {
            foreach (var (k, v) in headers) sb.Append(k).Append(": ").Append(v).Append('\n');
            sb.Append('\n');
        }
        string b64 = Convert.ToBase64String(data);
        for (int i = 0; i < b64.Length; i += width) sb.Append(b64, i, Math.Min(width, b64.Length - i)).Append('\n');
        sb.Append("-----END ").Append(label).Append("-----\n");
        return sb.ToString();
    }
}
