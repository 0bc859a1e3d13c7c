using System.Security.Cryptography;

namespace Hop.Ssh.Crypto;

/// <summary>
/// curve25519-sha256 and curve25519-sha256@libssh.org (RFC 8731): Q_C and Q_S are 32-byte X25519
/// public values sent as strings; K is the 32-byte X25519 output read as a big-endian unsigned
/// number and encoded as an mpint; an all-zero output is refused.
/// </summary>
public sealed class Curve25519KeyExchange : IKeyExchange
{
    private readonly X25519Agreement _key;

    /// <summary>Creates an exchange with a fresh ephemeral key.</summary>
    public Curve25519KeyExchange() => _key = new X25519Agreement();

    internal Curve25519KeyExchange(ReadOnlySpan<byte> privateKey) => _key = new X25519Agreement(privateKey);

    /// <inheritdoc/>
    public HashAlgorithmName Hash => HashAlgorithmName.SHA256;

    /// <inheritdoc/>
    public ReadOnlySpan<byte> ClientPublic => _key.PublicKey;

    /// <inheritdoc/>
    public byte[] DeriveSharedSecret(ReadOnlySpan<byte> serverPublic) => Agree(_key, serverPublic);

    /// <inheritdoc/>
    public (byte[] ServerPublic, byte[] SharedSecret) Respond(ReadOnlySpan<byte> clientPublic)
    {
        using var server = new X25519Agreement();
        return (server.PublicKey.ToArray(), Agree(server, clientPublic));
    }

    private static byte[] Agree(X25519Agreement key, ReadOnlySpan<byte> peer)
    {
        Span<byte> secret = stackalloc byte[X25519Agreement.Size];
        try
        {
            key.Agree(peer, secret);
            return SharedSecretEncoding.Mpint(secret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _key.Dispose();
}
