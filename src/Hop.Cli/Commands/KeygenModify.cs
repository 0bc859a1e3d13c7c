using Hop.Ssh;
using Hop.Ssh.Keys;
using Hop.Ssh.Keys.Formats;

namespace Hop.Cli.Commands;

internal static partial class KeygenCommand
{
    /// <summary>-p: re-encrypts a private key with a new passphrase, keeping its format unless -m says otherwise.</summary>
    private static int ChangePassphrase(Options o)
    {
        string path = AskExistingFile(o);
        SshPrivateKey key;
        PrivateKeyFile file;
        try
        {
            key = LoadPrivate(path, o.OldPassphrase, "Enter old passphrase: ", out file);
        }
        catch (SshPassphraseException e)
        {
            throw new KeygenExit(255, $"hop: Failed to load key {path}: {e.Message}");
        }
        using (key)
        {
            Console.Out.WriteLine($"Key has comment '{key.Comment}'");
            char[]? pass = o.NewPassphrase is not null
                ? o.NewPassphrase.ToCharArray()
                : KeygenConsole.AskNewPassphrase("Enter new passphrase (empty for no passphrase): ", "Enter same passphrase again: ", retry: false);
            if (pass is null) return 1;
            try
            {
                var format = PrivateFormat(o.Format, file.Format);
                string text = PrivateKeyWriter.Write(key, key.Comment, pass, format, WriteOptions(o));
                SavePrivate(path, text);
            }
            finally
            {
                Array.Clear(pass);
            }
        }
        Console.Out.WriteLine("Your identification has been saved with the new passphrase.");
        return 0;
    }

    /// <summary>-c: changes the comment in the private key and FILE.pub.</summary>
    private static int ChangeComment(Options o)
    {
        string path = AskExistingFile(o);
        SshPrivateKey key;
        PrivateKeyFile file;
        char[] pass = o.OldPassphrase?.ToCharArray() ?? [];
        try
        {
            file = PrivateKeyFile.Load(path);
            if (file.IsEncrypted && o.OldPassphrase is null) pass = KeygenConsole.AskPassphrase("Enter passphrase: ");
            try
            {
                key = file.Decrypt(pass);
            }
            catch (SshPassphraseException e)
            {
                throw new KeygenExit(255, $"hop: Cannot load private key \"{path}\": {e.Message}");
            }
            using (key)
            {
                Console.Out.WriteLine(key.Comment.Length > 0 ? $"Old comment: {key.Comment}" : "No existing comment");
                string? comment = o.Comment;
                if (comment is null)
                {
                    comment = KeygenConsole.AskLine("New comment: ");
                    if (comment is null) return 1;
                }
                // Formats without a comment field (PEM, PKCS#8) are rewritten as openssh-key-v1, as ssh-keygen does.
                var format = PrivateFormat(o.Format, file.Format is PrivateKeyFormat.Pem or PrivateKeyFormat.Pkcs8 ? PrivateKeyFormat.OpenSsh : file.Format);
                string text = PrivateKeyWriter.Write(key, comment, pass, format, WriteOptions(o));
                SavePrivate(path, text);
                try
                {
                    KeyFileStore.WriteAtomically(path + ".pub", key.PublicKey.ToOpenSshLine(comment) + "\n", KeyFileStore.PublicMode);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new KeygenExit(255, $"hop: Unable to save public key to {path}.pub: {e.Message}");
                }
                Console.Out.WriteLine($"Comment '{comment}' applied");
            }
            return 0;
        }
        finally
        {
            Array.Clear(pass);
        }
    }

    private static void SavePrivate(string path, string text)
    {
        try
        {
            KeyFileStore.WriteAtomically(path, text, KeyFileStore.PrivateMode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KeygenExit(255, $"hop: Saving key \"{path}\" failed: {e.Message}");
        }
    }
}
