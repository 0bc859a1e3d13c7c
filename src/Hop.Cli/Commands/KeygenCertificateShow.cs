using System.Security.Cryptography;
using System.Text;
using Hop.Ssh;
using Hop.Ssh.Keys;
using Hop.Ssh.Keys.Formats;

namespace Hop.Cli.Commands;

internal static partial class KeygenCertificate
{
    /// <summary>-L: prints every certificate in the file ("-" for stdin) as ssh-keygen -L does; 1 when none.</summary>
    public static int Show(string path, HashAlgorithmName hash)
    {
        string text, shown = path;
        if (path == "-")
        {
            text = Console.In.ReadToEnd();
            shown = "(stdin)";
        }
        else
        {
            try
            {
                text = BoundedFile.ReadAllText(path, BoundedFile.KeyFileBytes);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                throw new SshException($"{path}: No such file or directory");
            }
        }
        bool ok = false;
        var output = new StringBuilder();
        int lineNumber = 0;
        foreach (string raw in text.Split('\n'))
        {
            lineNumber++;
            string line = raw.TrimStart(' ', '\t').TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#') continue;
            SshPublicKey key;
            try
            {
                key = PublicKeyFile.ParseOpenSshLine(line).Key;
            }
            catch (SshKeyFormatException)
            {
                Console.Error.WriteLine($"{shown}:{lineNumber}: invalid key");
                continue;
            }
            if (key is not SshCertificate cert)
            {
                Console.Error.WriteLine($"{shown}:{lineNumber} is not a certificate");
                continue;
            }
            ok = true;
            output.Append(lineNumber == 1 && path != "-" ? $"{path}:\n" : $"{shown}:{lineNumber}:\n");
            output.Append(Describe(cert, hash));
        }
        Console.Out.Write(output.ToString());
        return ok ? 0 : 1;
    }

    /// <summary>The body ssh-keygen -L prints for one certificate.</summary>
    public static string Describe(SshCertificate cert, HashAlgorithmName hash)
    {
        var sb = new StringBuilder();
        const string Indent = "        ", Item = "                ";
        sb.Append(Indent).Append($"Type: {cert.KeyType} {(cert.Type == SshCertificateType.User ? "user" : "host")} certificate\n");
        sb.Append(Indent).Append($"Public key: {KeyFingerprint.TypeLabel(cert)} {cert.Fingerprint(hash)}\n");
        sb.Append(Indent).Append($"Signing CA: {KeyFingerprint.TypeLabel(cert.SignatureKey)} {cert.SignatureKey.Fingerprint(hash)} (using {cert.SignatureAlgorithm})\n");
        sb.Append(Indent).Append($"Key ID: \"{cert.KeyId}\"\n");
        sb.Append(Indent).Append($"Serial: {cert.Serial}\n");
        sb.Append(Indent).Append($"Valid: {cert.FormatValidity()}\n");
        sb.Append(Indent).Append("Principals: ");
        if (cert.ValidPrincipals.Count == 0) sb.Append("(none)\n");
        else
        {
            foreach (string p in cert.ValidPrincipals) sb.Append('\n').Append(Item).Append(p);
            sb.Append('\n');
        }
        AppendOptions(sb, "Critical Options: ", cert.CriticalOptions, critical: true);
        AppendOptions(sb, "Extensions: ", cert.Extensions, critical: false);
        return sb.ToString();

        static void AppendOptions(StringBuilder sb, string title, IReadOnlyList<CertificateOption> options, bool critical)
        {
            sb.Append(Indent).Append(title);
            if (options.Count == 0)
            {
                sb.Append("(none)\n");
                return;
            }
            sb.Append('\n');
            foreach (var o in options)
            {
                sb.Append(Item).Append(o.Name);
                if (!critical && CertificateOption.KnownFlagExtensions.Contains(o.Name)) sb.Append('\n');
                else if (critical && o.Name is CertificateOption.ForceCommand or CertificateOption.SourceAddress) sb.Append(' ').Append(o.StringValue).Append('\n');
                else if (critical && o.Name == CertificateOption.VerifyRequired) sb.Append('\n');
                else if (o.Data.Length > 0) sb.Append($" UNKNOWN OPTION: {Convert.ToHexStringLower(o.Data)} (len {o.Data.Length})\n");
                else sb.Append(" UNKNOWN FLAG OPTION\n");
            }
        }
    }
}
