using Hop.Ssh.Wire;

namespace Hop.Ssh.Keys;

/// <summary>Parses public key blobs by their type name.</summary>
internal static class PublicKeyBlob
{
    public static SshPublicKey Parse(ReadOnlySpan<byte> blob)
    {
        try
        {
            var r = new SshReader(blob);
            string type = r.ReadName();
            SshPublicKey key = type switch
            {
                Ed25519PublicKey.TypeName => Ed25519PublicKey.ReadBody(ref r),
                RsaPublicKey.TypeName => RsaPublicKey.ReadBody(ref r),
                _ when type.EndsWith(SshCertificate.Suffix, StringComparison.Ordinal) => SshCertificate.ReadBody(type, ref r, blob),
                _ when type.StartsWith("ecdsa-sha2-", StringComparison.Ordinal) => EcdsaPublicKey.ReadBody(type, ref r),
                _ => throw new SshKeyFormatException($"unsupported key type {type}"),
            };
            r.EnsureEnd();
            return key;
        }
        catch (SshProtocolException e)
        {
            throw new SshKeyFormatException("malformed public key: " + e.Message, e);
        }
    }
}
