using System.Security.Cryptography;
using Hop.Ssh;

namespace Hop.Cli.Commands;

/// <summary>`hop keygen`: OpenSSH's ssh-keygen (generate, -l, -y, -p, -c, -e, -i) with PuTTYgen's formats.</summary>
internal static partial class KeygenCommand
{
    private const string OptionSpec = "HLceghilpqvyC:D:E:F:I:N:O:P:R:V:Z:a:b:f:m:n:s:t:z:";

    /// <summary>An error that ends the command with ssh-keygen's exit code and message.</summary>
    private sealed class KeygenExit(int code, string message = "") : Exception(message)
    {
        public int Code { get; } = code;
    }

    private sealed class Options
    {
        public string? Type;
        public int? Bits;
        public string? Comment;
        public string? File;
        public string? NewPassphrase;
        public string? OldPassphrase;
        public bool Quiet;
        public int? Rounds;
        public string? Cipher;
        public string? Format;
        public HashAlgorithmName Hash = HashAlgorithmName.SHA256;
        public bool Verbose;
        public char Mode;
        public string? KnownHost;
        public string? CaKey;
        public string? KeyId;
        public string? Principals;
        public string? Validity;
        public string? Serial;
        public KeygenCertificate.Settings Certificate = new();
        public List<string> Inputs = [];
        public string? Pkcs11Provider;
    }

    public static Task<int> RunAsync(string[] args) => Task.FromResult(Run(args));

    internal static int Run(string[] args)
    {
        Options o;
        try
        {
            o = ParseOptions(args);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"hop keygen: {e.Message}");
            PrintUsage();
            return 1;
        }
        catch (SshException e)
        {
            PrintError(e.Message);
            return 255;
        }
        bool verbose = o.Verbose;
        try
        {
            return o.Mode switch
            {
                'D' or 'l' when o.Pkcs11Provider is not null => KeygenPkcs11.Download(o.Pkcs11Provider, o.Mode == 'l', o.Hash, o.Verbose),
                'l' => Fingerprint(o),
                'y' => PrintPublic(o),
                'p' => ChangePassphrase(o),
                'c' => ChangeComment(o),
                'e' => Export(o),
                'i' => Import(o),
                'F' or 'R' or 'H' => KnownHostsJob(o),
                's' => SignCertificates(o),
                'L' => KeygenCertificate.Show(AskExistingFile(o), o.Hash),
                _ => Generate(o),
            };
        }
        catch (KeygenExit e)
        {
            if (e.Message.Length > 0) Console.Error.WriteLine(e.Message);
            return e.Code;
        }
        catch (SshException e)
        {
            PrintError(e.Message);
            if (verbose) Console.Error.WriteLine(e);
            return 255;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            PrintError(e.Message);
            if (verbose) Console.Error.WriteLine(e);
            return 255;
        }
    }

    private static void PrintError(string message)
    {
        // OpenSSH's multi-line warnings (unprotected key file) are printed as they are.
        Console.Error.WriteLine(message.Contains('\n', StringComparison.Ordinal) ? message : "hop: " + message);
    }

    private static Options ParseOptions(string[] args)
    {
        var o = new Options();
        var g = new GetOpt(OptionSpec, args);
        while (g.Next(out char opt, out string? arg))
        {
            switch (opt)
            {
                case 't': o.Type = arg; break;
                case 'b': o.Bits = ParseInt(arg!, 1, 100_000); break;
                case 'C': o.Comment = arg; break;
                case 'f': o.File = arg; break;
                case 'N': o.NewPassphrase = arg; break;
                case 'P': o.OldPassphrase = arg; break;
                case 'q': o.Quiet = true; break;
                case 'a': o.Rounds = ParseInt(arg!, 1, int.MaxValue); break;
                case 'Z': o.Cipher = arg; break;
                case 'm': o.Format = arg; break;
                case 'E':
                    o.Hash = arg!.ToLowerInvariant() switch
                    {
                        "sha256" => HashAlgorithmName.SHA256,
                        "md5" => HashAlgorithmName.MD5,
                        _ => throw new UsageException($"Invalid hash algorithm \"{arg}\""),
                    };
                    break;
                case 'v': o.Verbose = true; break;
                case 'l' or 'y' or 'p' or 'c' or 'e' or 'i':
                    o.Mode = opt;
                    break;
                case 'F' or 'R':
                    o.Mode = opt;
                    o.KnownHost = arg;
                    break;
                case 'D':
                    o.Pkcs11Provider = arg;
                    if (o.Mode == '\0') o.Mode = 'D';
                    break;
                case 'H': o.Mode = 'H'; break;
                case 'L': o.Mode = 'L'; break;
                case 's': o.Mode = 's'; o.CaKey = arg; break;
                case 'I': o.KeyId = arg; break;
                case 'n': o.Principals = arg; break;
                case 'V': o.Validity = arg; break;
                case 'z': o.Serial = arg; break;
                case 'h': o.Certificate.SetHost(); break;
                case 'O': o.Certificate.Add(arg!); break;
                case 'g': break;
                default: throw new UsageException($"unknown option -- {opt}");
            }
        }
        if (o.Mode == 's')
        {
            if (o.Pkcs11Provider is not null) throw new UsageException("a CA key on a PKCS#11 token (-s with -D) is not supported");
            o.Inputs.AddRange(args[g.Index..]);
        }
        else if (g.Index < args.Length)
        {
            throw new UsageException("too many arguments");
        }
        return o;
    }

    private static int ParseInt(string s, int min, int max)
    {
        if (!int.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int v) || v < min || v > max)
            throw new UsageException($"Invalid number: {s}");
        return v;
    }

    private static void PrintUsage()
    {
        var w = Console.Error;
        w.WriteLine("usage: hop keygen [-q] [-a rounds] [-b bits] [-C comment] [-f output_keyfile]");
        w.WriteLine("                  [-m format] [-N new_passphrase] [-t ed25519 | ecdsa | rsa] [-Z cipher]");
        w.WriteLine("       hop keygen -p [-a rounds] [-f keyfile] [-m format] [-N new_passphrase] [-P old_passphrase]");
        w.WriteLine("       hop keygen -D pkcs11");
        w.WriteLine("       hop keygen -F hostname [-lv] [-f known_hosts_file]");
        w.WriteLine("       hop keygen -H [-f known_hosts_file]");
        w.WriteLine("       hop keygen -R hostname [-f known_hosts_file]");
        w.WriteLine("       hop keygen -i [-f input_keyfile] [-m key_format]");
        w.WriteLine("       hop keygen -e [-f input_keyfile] [-m key_format]");
        w.WriteLine("       hop keygen -y [-f input_keyfile] [-P passphrase]");
        w.WriteLine("       hop keygen -c [-a rounds] [-C comment] [-f keyfile] [-P passphrase]");
        w.WriteLine("       hop keygen -l [-v] [-E fingerprint_hash] [-f input_keyfile]");
        w.WriteLine("       hop keygen -s ca_key -I certificate_identity [-h] [-n principals]");
        w.WriteLine("                  [-O option] [-V validity_interval] [-z serial_number] file ...");
        w.WriteLine("       hop keygen -L [-f input_keyfile]");
        w.WriteLine("  formats (-m): RFC4716 | PKCS8 | PEM | PPK | PPK2 | OpenSSH");
    }

    /// <summary>ssh-keygen's home: the user's home directory and ~/.ssh.</summary>
    private static string SshDirectory => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh");

    private static string ExpandTilde(string path)
    {
        if (path == "~") return Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (path.StartsWith("~/", StringComparison.Ordinal)) return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..]);
        return path;
    }

    /// <summary>-f, or the question ssh-keygen asks ("Enter file in which the key is (~/.ssh/id_ed25519): ").</summary>
    private static string AskExistingFile(Options o)
    {
        if (o.File is not null) return ExpandTilde(o.File);
        string def = Path.Combine(SshDirectory, "id_" + Hop.Ssh.Keys.KeyGeneration.DefaultType);
        string? answer = KeygenConsole.AskLine($"Enter file in which the key is ({def}): ");
        if (answer is null) throw new KeygenExit(1);
        answer = answer.Trim();
        return answer.Length == 0 ? def : ExpandTilde(answer);
    }

    private static string DefaultComment()
    {
        string host;
        try
        {
            host = System.Net.Dns.GetHostName();
        }
        catch (System.Net.Sockets.SocketException)
        {
            host = Environment.MachineName;
        }
        return $"{Environment.UserName}@{host}";
    }
}
