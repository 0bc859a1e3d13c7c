using Hop.Ssh.Keys;
using Hop.Ssh.Keys.Formats;

namespace Hop.Cli.Commands;

internal static partial class KeygenCommand
{
    /// <summary>Makes a key pair as ssh-keygen does with no mode flag.</summary>
    private static int Generate(Options o)
    {
        string type = o.Type ?? KeyGeneration.DefaultType;
        string kind = KeyGeneration.NormalizeType(type);
        int bits = KeyGeneration.ValidateBits(type, o.Bits);
        var format = PrivateFormat(o.Format, PrivateKeyFormat.OpenSsh);
        var writeOptions = WriteOptions(o);
        if (!o.Quiet) Console.Out.WriteLine($"Generating public/private {kind} key pair.");

        string path;
        if (o.File is not null)
        {
            path = ExpandTilde(o.File);
        }
        else
        {
            string def = Path.Combine(SshDirectory, "id_" + kind);
            string? answer = KeygenConsole.AskLine($"Enter file in which to save the key ({def}): ");
            if (answer is null) return 1;
            answer = answer.Trim();
            path = answer.Length == 0 ? def : ExpandTilde(answer);
        }

        string fullDir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        if (string.Equals(Path.TrimEndingDirectorySeparator(fullDir), Path.TrimEndingDirectorySeparator(SshDirectory), StringComparison.Ordinal)
            && KeyFileStore.EnsurePrivateDirectory(fullDir) && !o.Quiet)
        {
            Console.Out.WriteLine($"Created directory '{fullDir}'.");
        }
        if (!Directory.Exists(fullDir)) throw new KeygenExit(255, $"hop: Saving key \"{path}\" failed: No such file or directory");

        if (File.Exists(path))
        {
            Console.Out.WriteLine($"{path} already exists.");
            string? yn = KeygenConsole.AskLine("Overwrite (y/n)? ");
            if (yn is null || yn.Length == 0 || (yn[0] != 'y' && yn[0] != 'Y')) return 1;
        }

        char[] pass = o.NewPassphrase is not null
            ? o.NewPassphrase.ToCharArray()
            : KeygenConsole.AskNewPassphrase("Enter passphrase (empty for no passphrase): ", "Enter same passphrase again: ", retry: true)!;
        try
        {
            if (pass.Length == 0 && !o.Quiet)
                Console.Out.WriteLine($"The key is NOT protected by a passphrase: anyone who can read {path} can use it.");
            using var key = KeyGeneration.Generate(type, bits);
            string comment = o.Comment ?? DefaultComment();
            string text = PrivateKeyWriter.Write(key, comment, pass, format, writeOptions);
            SaveKeyPair(path, text, key.PublicKey, comment);
            if (!o.Quiet)
            {
                Console.Out.WriteLine($"Your identification has been saved in {path}");
                Console.Out.WriteLine($"Your public key has been saved in {path}.pub");
                Console.Out.WriteLine("The key fingerprint is:");
                Console.Out.WriteLine($"{key.PublicKey.Fingerprint(o.Hash)} {comment}");
                Console.Out.WriteLine("The key's randomart image is:");
                Console.Out.WriteLine(Randomart.Render(key.PublicKey, o.Hash));
            }
            return 0;
        }
        finally
        {
            Array.Clear(pass);
        }
    }

    private static void SaveKeyPair(string path, string privateText, SshPublicKey publicKey, string comment)
    {
        try
        {
            KeyFileStore.WriteAtomically(path, privateText, KeyFileStore.PrivateMode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KeygenExit(255, $"hop: Saving key \"{path}\" failed: {e.Message}");
        }
        try
        {
            KeyFileStore.WriteAtomically(path + ".pub", publicKey.ToOpenSshLine(comment) + "\n", KeyFileStore.PublicMode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KeygenExit(255, $"hop: Unable to save public key to {path}.pub: {e.Message}");
        }
    }

    private static PrivateKeyWriteOptions WriteOptions(Options o)
    {
        var w = new PrivateKeyWriteOptions();
        if (o.Rounds is int r) w = w with { Rounds = r };
        if (o.Cipher is not null) w = w with { Cipher = o.Cipher };
        return w;
    }

    /// <summary>-m for private keys: OpenSSH/RFC4716 (openssh-key-v1), PEM, PKCS8, PPK (v3), PPK2.</summary>
    private static PrivateKeyFormat PrivateFormat(string? m, PrivateKeyFormat fallback) => m?.ToUpperInvariant() switch
    {
        null => fallback,
        "OPENSSH" or "RFC4716" => PrivateKeyFormat.OpenSsh,
        "PEM" => PrivateKeyFormat.Pem,
        "PKCS8" => PrivateKeyFormat.Pkcs8,
        "PPK" or "PPK3" => PrivateKeyFormat.Ppk3,
        "PPK2" => PrivateKeyFormat.Ppk2,
        _ => throw new KeygenExit(255, $"hop: Unsupported conversion format \"{m}\""),
    };
}
