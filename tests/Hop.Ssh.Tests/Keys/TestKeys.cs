using Hop.Ssh.Keys;

namespace Hop.Ssh.Tests.Keys;

/// <summary>Keys shared by the Keys tests (RSA generation is slow: one key per run).</summary>
internal static class TestKeys
{
    private static readonly Lazy<RsaPrivateKey> Rsa = new(() => RsaPrivateKey.Generate(2048));

    public static SshPrivateKey Create(string type) => type switch
    {
        "ed25519" => Ed25519PrivateKey.Generate(),
        "ecdsa256" => EcdsaPrivateKey.Generate(256),
        "ecdsa384" => EcdsaPrivateKey.Generate(384),
        "ecdsa521" => EcdsaPrivateKey.Generate(521),
        "rsa" => new RsaPrivateKey(System.Security.Cryptography.RSA.Create(Rsa.Value.Rsa.ExportParameters(true))),
        _ => throw new ArgumentException(type),
    };

    public static readonly string[] Names = ["ed25519", "ecdsa256", "ecdsa384", "ecdsa521", "rsa"];
    public static readonly TheoryData<string> Types = new(Names);

    /// <summary>True when both keys sign alike: the signature of one verifies with the other's public key.</summary>
    public static bool SameKey(SshPrivateKey a, SshPrivateKey b)
    {
        if (!a.PublicKey.Equals(b.PublicKey)) return false;
        byte[] data = "hop test data"u8.ToArray();
        return a.PublicKey.Verify(data, b.Sign(data)) && b.PublicKey.Verify(data, a.Sign(data));
    }
}
