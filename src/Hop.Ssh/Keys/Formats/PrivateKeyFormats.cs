namespace Hop.Ssh.Keys.Formats;

/// <summary>Dispatch to the formats other than openssh-key-v1.</summary>
internal static class PrivateKeyFormats
{
    public static bool TryParsePem(string label, string text, out EncodedPrivateKey key)
    {
        _ = label;
        _ = text;
        key = null!;
        return false;
    }

    public static bool TryParseOther(string text, out EncodedPrivateKey key)
    {
        _ = text;
        key = null!;
        return false;
    }
}
