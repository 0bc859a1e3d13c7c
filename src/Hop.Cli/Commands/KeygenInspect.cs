using Hop.Ssh;
using Hop.Ssh.Keys;
using Hop.Ssh.Keys.Formats;

namespace Hop.Cli.Commands;

internal static partial class KeygenCommand
{
    /// <summary>-l [-v] [-E hash]: "bits fingerprint comment (TYPE)" for each key in the file.</summary>
    private static int Fingerprint(Options o)
    {
        string path = AskExistingFile(o);
        var keys = ReadPublicKeys(path);
        foreach (var (key, comment) in keys)
        {
            Console.Out.WriteLine($"{key.KeySizeBits} {key.Fingerprint(o.Hash)} {(comment.Length > 0 ? comment : "no comment")} ({KeyFingerprint.TypeLabel(key)})");
            if (o.Verbose) Console.Out.WriteLine(Randomart.Render(key, o.Hash));
        }
        return 0;
    }

    /// <summary>
    /// The public keys a file holds: a private key file (its public part, the comment from FILE.pub or the
    /// unencrypted key), or public key lines (one-line, authorized_keys, RFC 4716, PEM, ppk).
    /// </summary>
    private static List<(SshPublicKey Key, string Comment)> ReadPublicKeys(string path)
    {
        byte[] content;
        try
        {
            content = BoundedFile.ReadAllBytes(path, BoundedFile.KeyFileBytes);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new KeygenExit(255, $"hop: {path}: No such file or directory");
        }
        PrivateKeyFile? priv = null;
        try
        {
            priv = PrivateKeyFile.Parse(content, path);
        }
        catch (SshKeyFormatException)
        {
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(content);
        }
        if (priv is not null)
        {
            var pub = TryReadPub(path + ".pub");
            SshPublicKey? key = priv.PublicKey;
            string comment = priv.Comment;
            if (pub is { } p && (key is null || p.Key.Equals(key)))
            {
                key = p.Key;
                comment = p.Comment;
            }
            else if (!priv.IsEncrypted)
            {
                using var k = priv.Decrypt();
                key ??= k.PublicKey;
                comment = k.Comment;
            }
            if (key is null) throw new KeygenExit(255, $"hop: {path} is not a public key file.");
            return [(key, comment)];
        }

        string text = System.Text.Encoding.UTF8.GetString(BoundedFile.ReadAllBytes(path, BoundedFile.KeyFileBytes));
        var result = new List<(SshPublicKey, string)>();
        try
        {
            string t = text.TrimStart();
            if (t.StartsWith("----", StringComparison.Ordinal) || t.StartsWith("PuTTY-User-Key-File-", StringComparison.Ordinal))
                result.Add(PublicKeyFile.Parse(text));
        }
        catch (SshKeyFormatException)
        {
        }
        if (result.Count == 0)
        {
            foreach (var raw in text.Split('\n'))
            {
                string line = raw.Trim();
                if (line.Length == 0 || line[0] == '#') continue;
                try
                {
                    result.Add(PublicKeyFile.ParseOpenSshLine(line));
                }
                catch (SshKeyFormatException)
                {
                }
            }
        }
        if (result.Count == 0) throw new KeygenExit(255, $"hop: {path} is not a public key file.");
        return result;
    }

    private static (SshPublicKey Key, string Comment)? TryReadPub(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            return PublicKeyFile.Load(path);
        }
        catch (SshKeyFormatException)
        {
            return null;
        }
    }

    /// <summary>Loads and decrypts a private key (-P, or the prompt "Enter passphrase: ").</summary>
    private static SshPrivateKey LoadPrivate(string path, string? passphrase, string prompt, out PrivateKeyFile file)
    {
        file = PrivateKeyFile.Load(path);
        if (!file.IsEncrypted) return file.Decrypt();
        char[] pass = passphrase?.ToCharArray() ?? KeygenConsole.AskPassphrase(prompt);
        try
        {
            return file.Decrypt(pass);
        }
        catch (SshPassphraseException e) when (prompt == "Enter passphrase: ")
        {
            throw new KeygenExit(255, $"hop: Load key \"{path}\": {e.Message}");
        }
        finally
        {
            Array.Clear(pass);
        }
    }

    /// <summary>-y: the public key line of a private key.</summary>
    private static int PrintPublic(Options o)
    {
        string path = AskExistingFile(o);
        using var key = LoadPrivate(path, o.OldPassphrase, "Enter passphrase: ", out _);
        Console.Out.WriteLine(key.PublicKey.ToOpenSshLine(key.Comment));
        return 0;
    }

    /// <summary>-e: the public key in RFC 4716 (default), PKCS8 or PEM.</summary>
    private static int Export(Options o)
    {
        string path = AskExistingFile(o);
        var (key, _) = ReadPublicKeys(path)[0];
        string format = (o.Format ?? "RFC4716").ToUpperInvariant();
        string text = format switch
        {
            "RFC4716" => Rfc4716PublicKey.Write(key, $"{key.KeySizeBits}-bit {KeyFingerprint.TypeLabel(key)}, converted by {DefaultComment()} from OpenSSH"),
            "PKCS8" => PemPublicKey.WriteSubjectPublicKeyInfo(key),
            "PEM" => PemPublicKey.WritePem(key),
            _ => throw new KeygenExit(255, $"hop: Unsupported conversion format \"{o.Format}\""),
        };
        Console.Out.Write(text);
        return 0;
    }

    /// <summary>-i: an RFC 4716, PKCS8 or PEM public key (or a foreign private key) printed as an OpenSSH line.</summary>
    private static int Import(Options o)
    {
        string path = AskExistingFile(o);
        string text;
        try
        {
            text = BoundedFile.ReadAllText(path, BoundedFile.KeyFileBytes);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new KeygenExit(255, $"hop: {path}: No such file or directory");
        }
        try
        {
            var (key, _) = PublicKeyFile.Parse(text);
            Console.Out.WriteLine(key.ToOpenSshLine());
            return 0;
        }
        catch (SshKeyFormatException)
        {
        }
        using var priv = LoadPrivate(path, o.OldPassphrase, "Enter passphrase: ", out _);
        Console.Out.Write(PrivateKeyWriter.Write(priv, priv.Comment, default));
        return 0;
    }
}
