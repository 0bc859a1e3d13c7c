using Hop.Ssh.Keys.Formats;

namespace Hop.Ssh.Keys;

/// <summary>
/// A revoked keys file (ssh_config's RevokedHostKeys): an OpenSSH key revocation list
/// (<see cref="KeyRevocationList"/>), or else a text file of public keys, one per line ("#" comments
/// and blank lines aside). A key is revoked when it is listed, and a certificate also when its CA
/// is; a line that is not a public key makes the file unusable, as in OpenSSH.
/// </summary>
public static class RevokedKeys
{
    /// <summary>The largest file read.</summary>
    public const int MaxFileBytes = 16 * 1024 * 1024;

    /// <summary>Whether <paramref name="path"/> revokes <paramref name="key"/>.</summary>
    /// <exception cref="IOException">the file cannot be read (missing, too large, ...).</exception>
    /// <exception cref="SshKeyFormatException">the file is malformed.</exception>
    public static bool Contains(string path, SshPublicKey key)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(key);
        byte[] content = BoundedFile.ReadAllBytes(path, MaxFileBytes);
        try
        {
            return Contains(content, key);
        }
        catch (SshKeyFormatException e)
        {
            // ssh's word for every malformed revocation file; what was wrong stays inside.
            throw new SshKeyFormatException("invalid format", e);
        }
    }

    private static bool Contains(byte[] content, SshPublicKey key)
    {
        if (KeyRevocationList.IsKrl(content)) return KeyRevocationList.Parse(content).IsRevoked(key);
        string text;
        try
        {
            text = new System.Text.UTF8Encoding(false, true).GetString(content);
        }
        catch (System.Text.DecoderFallbackException e)
        {
            throw new SshKeyFormatException("invalid format (neither a key revocation list nor a list of public keys)", e);
        }
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            byte[] listed = ListedBlob(line);
            if (listed.AsSpan().SequenceEqual(key.PlainKey.Blob) || (key is SshCertificate certificate && listed.AsSpan().SequenceEqual(certificate.SignatureKey.PlainKey.Blob)))
                return true;
        }
        return false;
    }

    /// <summary>
    /// The plain key blob a line lists (a certificate's key for a certificate). A key of a type hop does
    /// not use (DSA, FIDO) is still a key that can be listed: its blob is taken as written, when it
    /// names its own type.
    /// </summary>
    private static byte[] ListedBlob(string line)
    {
        try
        {
            return PublicKeyFile.ParseOpenSshLine(line).Key.PlainKey.Blob.ToArray();
        }
        catch (SshKeyFormatException)
        {
            string[] fields = line.Split([' ', '\t'], 3, StringSplitOptions.RemoveEmptyEntries);
            byte[] blob;
            try
            {
                blob = fields.Length >= 2 ? Convert.FromBase64String(fields[1]) : throw new SshKeyFormatException("invalid format");
            }
            catch (FormatException e)
            {
                throw new SshKeyFormatException("invalid format", e);
            }
            var reader = new Wire.SshReader(blob);
            try
            {
                if (System.Text.Encoding.ASCII.GetString(reader.ReadString(256)) == fields[0]) return blob;
            }
            catch (SshProtocolException)
            {
            }
            throw;
        }
    }
}
