using System.Security.Cryptography;
using Hop.Cli.Terminal;
using Hop.Ssh;
using Hop.Ssh.Agent;
using Hop.Ssh.Keys;
using Hop.Ssh.Keys.Formats;

namespace Hop.Cli.Commands;

/// <summary>ssh-add's per-file work: add (with the passphrase reuse), delete, and the -T signing test.</summary>
internal sealed class AddKeys(AgentClient client, AddCommand.Options options)
{
    /// <summary>The keys `hop add` adds with no arguments, in ssh-add's order, each followed by its PuTTY twin.</summary>
    public static readonly string[] DefaultFiles = ["id_rsa", "id_rsa.ppk", "id_ecdsa", "id_ecdsa.ppk", "id_ed25519", "id_ed25519.ppk"];

    private char[]? _lastPassphrase;

    public async Task<bool> DoFileAsync(string path) =>
        options.Delete ? await DeleteAsync(path).ConfigureAwait(false) : await AddAsync(path).ConfigureAwait(false);

    private async Task<bool> AddAsync(string path)
    {
        bool stdin = path == "-";
        if (stdin) path = "(stdin)";
        else if (!File.Exists(path))
        {
            Console.Error.WriteLine($"{path}: No such file or directory");
            return false;
        }
        PrivateKeyFile file;
        try
        {
            file = stdin ? ReadStdin() : PrivateKeyFile.Load(path);
        }
        catch (SshKeyFormatException e)
        {
            Console.Error.WriteLine(LoadError(path, e));
            return false;
        }
        using var key = await DecryptAsync(file, path).ConfigureAwait(false);
        if (key is null) return false;
        string comment = string.IsNullOrEmpty(key.Comment) ? (string.IsNullOrEmpty(file.Comment) ? path : file.Comment) : key.Comment;
        TimeSpan? life = options.Lifetime;
        try
        {
            await client.AddAsync(key, comment, life, options.Confirm).ConfigureAwait(false);
        }
        catch (SshException e)
        {
            Console.Error.WriteLine($"Could not add identity \"{path}\": {e.Message}");
            return false;
        }
        if (!options.Quiet)
        {
            Console.Error.WriteLine($"Identity added: {path} ({comment})");
            if (options.LifetimeSeconds is long secs) Console.Error.WriteLine($"Lifetime set to {secs} seconds");
            if (options.Confirm) Console.Error.WriteLine("The user must confirm each use of the key");
        }
        return true;
    }

    /// <summary>`hop add -`: the key comes on stdin (no permission check, as ssh-add).</summary>
    private static PrivateKeyFile ReadStdin()
    {
        using var input = StandardStream.Open(0);
        using var ms = new MemoryStream();
        input.CopyTo(ms);
        byte[] content = ms.ToArray();
        try
        {
            return PrivateKeyFile.Parse(content, "(stdin)");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
            CryptographicOperations.ZeroMemory(ms.GetBuffer());
        }
    }

    /// <summary>ssh-add's order: no passphrase, then the last one that worked, then ask until right or empty.</summary>
    private async Task<SshPrivateKey?> DecryptAsync(PrivateKeyFile file, string path)
    {
        try
        {
            if (!file.IsEncrypted) return file.Decrypt();
            if (_lastPassphrase is not null)
            {
                try { return file.Decrypt(_lastPassphrase); }
                catch (SshPassphraseException) { }
            }
            ClearLast();
            string confirm = options.Confirm ? " (will confirm each use)" : "";
            string prompt = $"Enter passphrase for {path}{confirm}: ";
            while (true)
            {
                char[]? pass = await AddPassphrase.ReadAsync(prompt).ConfigureAwait(false);
                if (pass is null || pass.Length == 0) return null;
                try
                {
                    var key = file.Decrypt(pass);
                    _lastPassphrase = pass;
                    return key;
                }
                catch (SshPassphraseException)
                {
                    Array.Clear(pass);
                }
                prompt = $"Bad passphrase, try again for {path}{confirm}: ";
            }
        }
        catch (SshKeyFormatException e)
        {
            Console.Error.WriteLine(LoadError(path, e));
            ClearLast();
            return null;
        }
    }

    private void ClearLast()
    {
        if (_lastPassphrase is not null) Array.Clear(_lastPassphrase);
        _lastPassphrase = null;
    }

    private static string LoadError(string path, SshKeyFormatException e)
    {
        string m = e.Message;
        if (m.StartsWith('@')) return m;
        string prefix = $"Load key \"{path}\": ";
        if (m.StartsWith(prefix, StringComparison.Ordinal)) m = m[prefix.Length..];
        return $"Error loading key \"{path}\": {m}";
    }

    private async Task<bool> DeleteAsync(string path)
    {
        var (key, comment, error) = LoadPublic(path);
        if (key is null)
        {
            Console.Out.WriteLine($"Bad key file {path}: {error}");
            return false;
        }
        try
        {
            await client.RemoveAsync(key).ConfigureAwait(false);
        }
        catch (SshException e)
        {
            Console.Error.WriteLine($"Could not remove identity \"{path}\": {e.Message}");
            return false;
        }
        if (!options.Quiet) Console.Error.WriteLine($"Identity removed: {path} {TypeLabel(key.KeyType)} ({(string.IsNullOrEmpty(comment) ? "no comment" : comment)})");
        return true;
    }

    /// <summary>sshkey_load_public: the file as a public key, then FILE.pub, then the public half of the private key file.</summary>
    internal static (SshPublicKey? Key, string Comment, string Error) LoadPublic(string path)
    {
        foreach (var candidate in new[] { path, path + ".pub" })
        {
            try
            {
                if (!File.Exists(candidate)) continue;
                var (k, c) = PublicKeyFile.Load(candidate);
                return (k, c, "");
            }
            catch (SshKeyFormatException) { }
        }
        try
        {
            if (File.Exists(path))
            {
                var f = PrivateKeyFile.Parse(BoundedFile.ReadAllBytes(path, BoundedFile.KeyFileBytes), path);
                if (f.PublicKey is not null) return (f.PublicKey, f.Comment, "");
                if (!f.IsEncrypted)
                {
                    using var k = f.Decrypt();
                    return (k.PublicKey, k.Comment, "");
                }
                return (null, "", "invalid format");
            }
        }
        catch (SshKeyFormatException) { return (null, "", "invalid format"); }
        catch (IOException e) { return (null, "", e.Message); }
        return (null, "", "No such file or directory");
    }

    /// <summary>-T: asks the agent to sign random data with the key in <paramref name="path"/> and checks the signature.</summary>
    public static async Task<bool> TestAsync(AgentClient client, string path)
    {
        var (key, _, error) = LoadPublic(path);
        if (key is null)
        {
            Console.Error.WriteLine($"Couldn't read public key {path}: {error}");
            return false;
        }
        byte[] data = RandomNumberGenerator.GetBytes(1024);
        var flags = key.KeyType == RsaPublicKey.TypeName ? AgentSignFlags.RsaSha2_256 : AgentSignFlags.None;
        byte[] sig;
        try
        {
            sig = await client.SignAsync(key, data, flags).ConfigureAwait(false);
        }
        catch (SshException e)
        {
            Console.Error.WriteLine($"Agent signature failed for {path}: {e.Message}");
            return false;
        }
        if (!key.Verify(data, sig, AgentProtocol.SignatureAlgorithm(key.KeyType, flags)))
        {
            Console.Error.WriteLine($"Signature verification failed for {path}: incorrect signature");
            return false;
        }
        return true;
    }

    /// <summary>sshkey_type's short names, as ssh-add -l prints them.</summary>
    public static string TypeLabel(string keyType) => keyType switch
    {
        "ssh-ed25519" => "ED25519",
        "ssh-rsa" => "RSA",
        "ssh-dss" => "DSA",
        "sk-ssh-ed25519@openssh.com" => "ED25519-SK",
        "sk-ecdsa-sha2-nistp256@openssh.com" => "ECDSA-SK",
        _ when keyType.StartsWith("ecdsa-sha2-", StringComparison.Ordinal) => "ECDSA",
        _ => keyType,
    };
}
