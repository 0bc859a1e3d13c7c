using System.Security.Cryptography;
using System.Text;

namespace Hop.Ssh.Keys.Formats;

/// <summary>
/// A private key file of any supported format, detected from its content. What can be read without
/// the passphrase (public key, comment) is available at once; <see cref="Decrypt"/> gives the key.
/// </summary>
public sealed class PrivateKeyFile
{
    /// <summary>OpenSSH's message for a wrong passphrase.</summary>
    public const string IncorrectPassphrase = "incorrect passphrase supplied to decrypt private key";

    private readonly EncodedPrivateKey _encoded;

    private PrivateKeyFile(string sourceName, EncodedPrivateKey encoded)
    {
        SourceName = sourceName;
        _encoded = encoded;
    }

    public string SourceName { get; }

    internal long KdfCost => _encoded.KdfCost;
    public bool IsEncrypted => _encoded.IsEncrypted;
    public PrivateKeyFormat Format => _encoded.Format;

    /// <summary>The public key when the format stores it in clear (openssh-key-v1, ppk); else null.</summary>
    public SshPublicKey? PublicKey => _encoded.PublicKey;

    /// <summary>The comment when readable without the passphrase; "" otherwise.</summary>
    public string Comment => _encoded.Comment;

    /// <summary>
    /// Reads a private key file. A file that others may access (on Unix, mode &amp; 077) is refused, as
    /// OpenSSH does (<see cref="CheckPermissions"/>).
    /// </summary>
    /// <exception cref="SshKeyFormatException">unreadable, unsafe or malformed file.</exception>
    public static PrivateKeyFile Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] content;
        try
        {
            CheckPermissions(path);
            content = BoundedFile.ReadAllBytes(path, BoundedFile.KeyFileBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SshKeyFormatException($"Load key \"{path}\": {DescribeIoError(e)}", e);
        }
        try
        {
            return Parse(content, path);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
        }
    }

    private static string DescribeIoError(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "No such file or directory",
        UnauthorizedAccessException => "Permission denied",
        _ => e.Message,
    };

    /// <summary>
    /// Throws OpenSSH's "UNPROTECTED PRIVATE KEY FILE" refusal when the mode allows group or others
    /// anything, or on Windows, where the check is Windows OpenSSH's, when anyone else owns the file or
    /// may open it (<see cref="WindowsFileSecurity"/>).
    /// </summary>
    public static void CheckPermissions(string path)
    {
        string tooOpen;
        if (OperatingSystem.IsWindows())
        {
            if (WindowsFileSecurity.WhoElse(path, othersMayRead: false) is not string who) return;
            tooOpen = $"Permissions for '{path}' are too open: {who}.";
        }
        else
        {
            var mode = File.GetUnixFileMode(path);
            const UnixFileMode open = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
            if ((mode & open) == 0) return;
            int bits = (int)mode & 0x1ff;
            tooOpen = $"Permissions {Convert.ToString(bits, 8).PadLeft(4, '0')} for '{path}' are too open.";
        }
        throw new SshKeyFormatException(
            "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n" +
            "@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @\n" +
            "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n" +
            tooOpen + "\n" +
            "It is required that your private key files are NOT accessible by others.\n" +
            "This private key will be ignored.\n" +
            $"Load key \"{path}\": bad permissions");
    }

    /// <summary>Parses file content (no permission check). The format is detected from the content.</summary>
    /// <exception cref="SshKeyFormatException">the content is no private key Hop can read; the message names the source.</exception>
    public static PrivateKeyFile Parse(ReadOnlySpan<byte> content, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        try
        {
            return new PrivateKeyFile(sourceName, Detect(content));
        }
        catch (SshKeyFormatException e) when (e is not SshPassphraseException)
        {
            throw new SshKeyFormatException($"Load key \"{sourceName}\": {e.Message}", e);
        }
    }

    private static EncodedPrivateKey Detect(ReadOnlySpan<byte> content)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(content);
        }
        catch (DecoderFallbackException e)
        {
            throw new SshKeyFormatException("invalid format (not a text key file)", e);
        }
        // A .ppk is recognised by its first line, before any PEM label its comment might contain.
        if (PrivateKeyFormats.TryParseOther(text, out var other)) return other;
        string? label = PemBlock.FindLabel(text);
        if (label == OpenSshKeyV1.Label) return OpenSshKeyV1.Parse(PemBlock.Parse(text).Data);
        if (label is not null && PrivateKeyFormats.TryParsePem(label, text, out var pem)) return pem;
        if (label is "PUBLIC KEY" or "RSA PUBLIC KEY" or "SSH2 PUBLIC KEY" || text.StartsWith("ssh-", StringComparison.Ordinal)
            || text.StartsWith("ecdsa-", StringComparison.Ordinal))
            throw new SshKeyFormatException("invalid format (this is a public key)");
        throw new SshKeyFormatException("invalid format");
    }

    /// <summary>Decrypts the key. An unencrypted key ignores the passphrase.</summary>
    /// <exception cref="SshPassphraseException">"incorrect passphrase supplied to decrypt private key".</exception>
    /// <exception cref="SshKeyFormatException">the decrypted content is malformed.</exception>
    public SshPrivateKey Decrypt(ReadOnlySpan<char> passphrase = default)
    {
        byte[] pass = IsEncrypted ? OpenSshKeyV1.Utf8(passphrase) : [];
        try
        {
            return _encoded.Decrypt(pass);
        }
        catch (SshKeyFormatException e) when (e is not SshPassphraseException)
        {
            throw new SshKeyFormatException($"Load key \"{SourceName}\": {e.Message}", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pass);
        }
    }
}
