using System.Globalization;
using Hop.Ssh;
using Hop.Ssh.Keys;
using Hop.Ssh.Keys.Formats;

namespace Hop.Cli.Commands;

/// <summary>
/// -s ca_key: signs certificates as ssh-keygen does (-I key_id, -h, -n principals, -V validity, -z serial,
/// -O option), writing KEY-cert.pub beside each KEY.pub; -L: shows a certificate as ssh-keygen -L.
/// </summary>
internal static partial class KeygenCertificate
{
    /// <summary>The -O flags ssh-keygen knows, by the name of the extension each one grants.</summary>
    private static readonly string[] FlagExtensions =
        ["permit-X11-forwarding", "permit-agent-forwarding", "permit-port-forwarding", "permit-pty", "permit-user-rc"];

    /// <summary>The certificate options as -h and -O set them, in command-line order.</summary>
    internal sealed class Settings
    {
        public bool Host;
        public HashSet<string> Flags = new(FlagExtensions, StringComparer.Ordinal);
        public string? ForceCommand;
        public string? SourceAddress;
        public bool NoTouchRequired;
        public bool VerifyRequired;
        public List<(string Name, string? Value, bool Critical)> Custom = [];

        /// <summary>-h: a host certificate; as in ssh-keygen, it clears the flags set so far.</summary>
        public void SetHost()
        {
            Host = true;
            Flags.Clear();
        }

        /// <summary>One -O option, as ssh-keygen's add_cert_option.</summary>
        public void Add(string opt)
        {
            string lower = opt.ToLowerInvariant();
            if (lower == "clear")
            {
                Flags.Clear();
                ForceCommand = null;
                SourceAddress = null;
                return;
            }
            foreach (string f in FlagExtensions)
            {
                string word = f["permit-".Length..].ToLowerInvariant();
                if (lower == "no-" + word) { Flags.Remove(f); return; }
                if (lower == "permit-" + word) { Flags.Add(f); return; }
            }
            if (lower is "no-touch-required") { NoTouchRequired = true; return; }
            if (lower is "touch-required") { NoTouchRequired = false; return; }
            if (lower is "verify-required") { VerifyRequired = true; return; }
            if (lower.StartsWith("force-command=", StringComparison.Ordinal))
            {
                if (ForceCommand is not null) throw new SshException("force-command already specified");
                ForceCommand = opt["force-command=".Length..];
                return;
            }
            if (lower.StartsWith("source-address=", StringComparison.Ordinal))
            {
                if (SourceAddress is not null) throw new SshException("source-address already specified");
                string list = opt["source-address=".Length..];
                if (!ValidCidrList(list)) throw new SshException("Invalid source-address list");
                SourceAddress = list;
                return;
            }
            bool critical = lower.StartsWith("critical:", StringComparison.Ordinal);
            if (critical || lower.StartsWith("extension:", StringComparison.Ordinal))
            {
                string rest = opt[(critical ? "critical:".Length : "extension:".Length)..];
                int eq = rest.IndexOf('=', StringComparison.Ordinal);
                string name = eq < 0 ? rest : rest[..eq];
                if (name.Length == 0) throw new SshException($"Unsupported certificate option \"{opt}\"");
                Custom.Add((name, eq < 0 ? null : rest[(eq + 1)..], critical));
                return;
            }
            throw new SshException($"Unsupported certificate option \"{opt}\"");
        }

        public List<CertificateOption> CriticalOptions()
        {
            var list = new List<CertificateOption>();
            if (ForceCommand is not null) list.Add(CertificateOption.WithString(CertificateOption.ForceCommand, ForceCommand));
            if (SourceAddress is not null) list.Add(CertificateOption.WithString(CertificateOption.SourceAddress, SourceAddress));
            if (VerifyRequired) list.Add(CertificateOption.Flag(CertificateOption.VerifyRequired));
            AddCustom(list, critical: true);
            return list;
        }

        public List<CertificateOption> Extensions()
        {
            var list = FlagExtensions.Where(Flags.Contains).Select(CertificateOption.Flag).ToList();
            if (NoTouchRequired) list.Add(CertificateOption.Flag("no-touch-required"));
            AddCustom(list, critical: false);
            return list;
        }

        private void AddCustom(List<CertificateOption> list, bool critical)
        {
            foreach (var (name, value, isCritical) in Custom)
            {
                if (isCritical != critical) continue;
                if (list.Exists(o => o.Name == name)) throw new SshException($"Duplicate certificate option \"{name}\"");
                list.Add(value is null ? CertificateOption.Flag(name) : CertificateOption.WithString(name, value));
            }
        }
    }

    /// <summary>addr/len entries separated by commas (IPv4 or IPv6, the length optional).</summary>
    private static bool ValidCidrList(string list)
    {
        foreach (string entry in list.Split(','))
        {
            string addr = entry;
            int slash = entry.IndexOf('/', StringComparison.Ordinal);
            int max = 128;
            if (slash >= 0) addr = entry[..slash];
            if (!System.Net.IPAddress.TryParse(addr, out var ip)) return false;
            if (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) max = 32;
            if (slash >= 0 && (!int.TryParse(entry.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int len) || len > max)) return false;
        }
        return true;
    }

    /// <summary>Signs each public key file with <paramref name="ca"/>; returns the exit code.</summary>
    public static int Sign(SshPrivateKey ca, IReadOnlyList<string> keyFiles, string keyId, Settings settings,
        string? principals, string? validity, string? serial, bool quiet)
    {
        var now = DateTimeOffset.UtcNow;
        (ulong after, ulong before) = validity is null ? (0UL, SshCertificate.Forever) : CertificateValidity.Parse(validity, now);
        ulong next = 0;
        bool autoIncrement = false;
        if (serial is not null)
        {
            string s = serial;
            if (s.StartsWith('+')) { autoIncrement = true; s = s[1..]; }
            if (!ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out next))
                throw new SshException($"Invalid serial number \"{serial}\"");
        }
        string[] names = principals is null ? [] : principals.Split(',');
        var critical = settings.CriticalOptions();
        var extensions = settings.Extensions();
        foreach (string path in keyFiles)
        {
            var (key, comment) = PublicKeyFile.Load(path);
            if (key is SshCertificate c) key = c.Key;
            var cert = new CertificateBuilder
            {
                Key = key,
                Type = settings.Host ? SshCertificateType.Host : SshCertificateType.User,
                KeyId = keyId,
                Serial = next,
                ValidPrincipals = names,
                ValidAfter = after,
                ValidBefore = before,
                CriticalOptions = critical,
                Extensions = extensions,
            }.Sign(ca);
            string output = CertificatePath(path);
            KeyFileStore.WriteAtomically(output, cert.ToOpenSshLine(comment) + "\n", KeyFileStore.PublicMode);
            if (!quiet)
            {
                string who = principals is null ? "" : " for " + principals;
                Console.Error.WriteLine($"Signed {(settings.Host ? "host" : "user")} key {output}: id \"{keyId}\" serial {cert.Serial}{who} valid {cert.FormatValidity()}");
            }
            if (autoIncrement) next++;
        }
        return 0;
    }

    /// <summary>KEY.pub → KEY-cert.pub; any other name gets "-cert.pub" added.</summary>
    public static string CertificatePath(string publicKeyPath) =>
        (publicKeyPath.EndsWith(".pub", StringComparison.Ordinal) ? publicKeyPath[..^4] : publicKeyPath) + "-cert.pub";
}

internal static partial class KeygenCommand
{
    /// <summary>-s ca_key -I id [...] file...: the CA key may be encrypted (asked as ssh-keygen asks, or -P).</summary>
    private static int SignCertificates(Options o)
    {
        if (o.KeyId is null) throw new KeygenExit(255, "hop: Must specify key id (-I) when certifying");
        if (o.Inputs.Count == 0) throw new KeygenExit(1, "hop keygen: -s needs at least one public key file");
        using var ca = LoadPrivate(ExpandTilde(o.CaKey!), o.OldPassphrase, "Enter passphrase: ", out _);
        return KeygenCertificate.Sign(ca, o.Inputs, o.KeyId, o.Certificate, o.Principals, o.Validity, o.Serial, o.Quiet);
    }
}
