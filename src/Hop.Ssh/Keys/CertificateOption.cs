using System.Text;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Keys;

/// <summary>
/// One certificate critical option or extension (PROTOCOL.certkeys): a name and its data. The data of the
/// options OpenSSH defines is either empty (flags such as permit-pty) or one string (force-command,
/// source-address). Lists are written sorted by name, each name once.
/// <code>
/// string name
/// string data
/// </code>
/// </summary>
public sealed record CertificateOption(string Name, byte[] Data)
{
    public const string ForceCommand = "force-command";
    public const string SourceAddress = "source-address";
    public const string VerifyRequired = "verify-required";

    /// <summary>The user-certificate extensions ssh-keygen grants by default, in the order it writes them.</summary>
    public static IReadOnlyList<string> DefaultUserExtensions { get; } =
        ["permit-X11-forwarding", "permit-agent-forwarding", "permit-port-forwarding", "permit-pty", "permit-user-rc"];

    /// <summary>The flag extensions OpenSSH knows (empty data).</summary>
    public static IReadOnlyList<string> KnownFlagExtensions { get; } = [.. DefaultUserExtensions, "no-touch-required"];

    /// <summary>A flag: empty data.</summary>
    public static CertificateOption Flag(string name) => new(name, []);

    /// <summary>An option whose data is one string (force-command, source-address, custom name=value).</summary>
    public static CertificateOption WithString(string name, string value)
    {
        using var b = new SshBuffer(value.Length + 8);
        var w = b.Writer;
        w.WriteString(value);
        return new CertificateOption(name, b.ToArray());
    }

    /// <summary>The data read as one string, or null when it is empty or not exactly one string.</summary>
    public string? StringValue
    {
        get
        {
            if (Data.Length == 0) return null;
            try
            {
                var r = new SshReader(Data);
                string s = r.ReadUtf8(Data.Length);
                r.EnsureEnd();
                return s;
            }
            catch (SshProtocolException)
            {
                return null;
            }
        }
    }

    internal static CertificateOption[] ReadList(ReadOnlySpan<byte> packed, string what)
    {
        var list = new List<CertificateOption>();
        var r = new SshReader(packed);
        while (!r.IsAtEnd)
        {
            string name = r.ReadUtf8(1024);
            byte[] data = r.ReadString(packed.Length).ToArray();
            if (list.Exists(o => o.Name == name)) throw new SshKeyFormatException($"certificate {what} {name} appears twice");
            list.Add(new CertificateOption(name, data));
        }
        return [.. list];
    }

    internal static void WriteList(ref SshWriter w, IEnumerable<CertificateOption> options)
    {
        using var b = new SshBuffer();
        var inner = b.Writer;
        foreach (var o in options.OrderBy(o => o.Name, StringComparer.Ordinal))
        {
            inner.WriteString(Encoding.UTF8.GetBytes(o.Name));
            inner.WriteString(o.Data);
        }
        w.WriteString(b.WrittenSpan);
    }

    public override string ToString() => StringValue is { } s ? $"{Name} {s}" : Name;
}
