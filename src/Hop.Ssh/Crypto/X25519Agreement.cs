using System.Security.Cryptography;
using Geralt;

namespace Hop.Ssh.Crypto;

/// <summary>
/// An X25519 key pair (RFC 7748) from libsodium through Geralt, with the checks RFC 8731 §3 asks
/// for: a 32-byte peer value, and an all-zero shared secret rejected.
/// </summary>
internal sealed class X25519Agreement : IDisposable
{
    public const int Size = 32;

    private readonly byte[] _private = new byte[Size];
    private readonly byte[] _public = new byte[Size];

    public X25519Agreement()
    {
        X25519.GenerateKeyPair(_public, _private);
    }

    /// <summary>For test vectors: a fixed private scalar.</summary>
    public X25519Agreement(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != Size) throw new ArgumentException("X25519 private key must be 32 bytes", nameof(privateKey));
        privateKey.CopyTo(_private);
        X25519.ComputePublicKey(_public, _private);
    }

    public ReadOnlySpan<byte> PublicKey => _public;

    /// <summary>Writes the 32-byte shared secret; throws <see cref="SshProtocolException"/> for a bad peer value.</summary>
    public void Agree(ReadOnlySpan<byte> peerPublic, Span<byte> sharedSecret)
    {
        if (peerPublic.Length != Size) throw new SshProtocolException($"X25519 public value of {peerPublic.Length} bytes, expected {Size}");
        try
        {
            X25519.ComputeSharedSecret(sharedSecret[..Size], _private, peerPublic);
        }
        catch (CryptographicException e)
        {
            throw new SshProtocolException("invalid X25519 public value from peer", e);
        }
        if (ConstantTime.IsAllZeros(sharedSecret[..Size]))
        {
            CryptographicOperations.ZeroMemory(sharedSecret);
            throw new SshProtocolException("X25519 shared secret is all zero (peer sent a low-order point)");
        }
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_private);
}
