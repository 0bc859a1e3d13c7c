using System.Security.Cryptography;

namespace Hop.Ssh.Crypto;

/// <summary>
/// The shape shared by the post-quantum hybrids (sntrup761x25519-sha512, mlkem768x25519-sha256):
/// the client sends C_INIT = kem_public_key || x25519_public; the server replies
/// S_REPLY = kem_ciphertext || x25519_public, both as strings; K = string(HASH(kem_secret ||
/// x25519_secret)) (OpenSSH kexsntrup761x25519.c / kexmlkem768x25519.c;
/// draft-ietf-sshm-ntruprime-ssh, draft-ietf-sshm-mlkem-hybrid-kex).
/// </summary>
public abstract class HybridKemKeyExchange : IKeyExchange
{
    private readonly X25519Agreement _x25519;
    private byte[]? _clientPublic;
    private bool _disposed;

    private protected HybridKemKeyExchange()
    {
        _x25519 = new X25519Agreement();
    }

    /// <inheritdoc/>
    public abstract HashAlgorithmName Hash { get; }

    /// <summary>Bytes of the KEM's public (encapsulation) key.</summary>
    protected abstract int KemPublicKeySize { get; }

    /// <summary>Bytes of the KEM's ciphertext.</summary>
    protected abstract int KemCiphertextSize { get; }

    /// <summary>The client's KEM public key.</summary>
    protected abstract byte[] KemPublicKey { get; }

    /// <summary>Decapsulates with the client's KEM private key; returns the KEM shared secret.</summary>
    protected abstract byte[] Decapsulate(ReadOnlySpan<byte> ciphertext);

    /// <summary>The server's side: encapsulates to the client's KEM public key.</summary>
    protected abstract (byte[] Ciphertext, byte[] Secret) Encapsulate(ReadOnlySpan<byte> publicKey);

    /// <inheritdoc/>
    public ReadOnlySpan<byte> ClientPublic => _clientPublic ??= [.. KemPublicKey, .. _x25519.PublicKey];

    /// <inheritdoc/>
    public byte[] DeriveSharedSecret(ReadOnlySpan<byte> serverPublic)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (serverPublic.Length != KemCiphertextSize + X25519Agreement.Size)
            throw new SshProtocolException($"hybrid key exchange reply of {serverPublic.Length} bytes, expected {KemCiphertextSize + X25519Agreement.Size}");
        byte[] kemSecret = Decapsulate(serverPublic[..KemCiphertextSize]);
        return Combine(_x25519, kemSecret, serverPublic[KemCiphertextSize..]);
    }

    /// <inheritdoc/>
    public (byte[] ServerPublic, byte[] SharedSecret) Respond(ReadOnlySpan<byte> clientPublic)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (clientPublic.Length != KemPublicKeySize + X25519Agreement.Size)
            throw new SshProtocolException($"hybrid key exchange init of {clientPublic.Length} bytes, expected {KemPublicKeySize + X25519Agreement.Size}");
        var (ciphertext, kemSecret) = Encapsulate(clientPublic[..KemPublicKeySize]);
        using var server = new X25519Agreement();
        byte[] k = Combine(server, kemSecret, clientPublic[KemPublicKeySize..]);
        return ([.. ciphertext, .. server.PublicKey], k);
    }

    private byte[] Combine(X25519Agreement own, byte[] kemSecret, ReadOnlySpan<byte> peerX25519)
    {
        Span<byte> x = stackalloc byte[X25519Agreement.Size];
        try
        {
            own.Agree(peerX25519, x);
            return SharedSecretEncoding.HybridString(Hash, kemSecret, x);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(x);
            CryptographicOperations.ZeroMemory(kemSecret);
        }
    }

    /// <summary>Zeroes the ephemeral secrets.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed) return;
        _disposed = true;
        if (disposing) _x25519.Dispose();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }
}
