namespace Hop.Ssh.Keys.Formats;

/// <summary>Dispatch to the formats other than openssh-key-v1, by PEM label or by content.</summary>
internal static class PrivateKeyFormats
{
    public static bool TryParsePem(string label, string text, out EncodedPrivateKey key)
    {
        switch (label)
        {
            case PemPrivateKey.RsaLabel or PemPrivateKey.EcLabel:
                key = PemPrivateKey.Parse(PemBlock.Parse(text));
                return true;
            case Pkcs8PrivateKey.PlainLabel or Pkcs8PrivateKey.EncryptedLabel:
                key = Pkcs8PrivateKey.Parse(PemBlock.Parse(text));
                return true;
            case "DSA PRIVATE KEY":
                throw new SshKeyFormatException("DSA keys are not supported");
            default:
                key = null!;
                return false;
        }
    }

    public static bool TryParseOther(string text, out EncodedPrivateKey key)
    {
        if (PpkFields.IsPpk(text))
        {
            key = PpkKeyFile.Parse(text);
            return true;
        }
        key = null!;
        return false;
    }
}
