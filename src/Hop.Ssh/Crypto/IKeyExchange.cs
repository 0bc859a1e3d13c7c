using System.Security.Cryptography;

namespace Hop.Ssh.Crypto;

/// <summary>
/// The math of one single-round key exchange (ECDH, hybrid post-quantum, or Diffie-Hellman over a
/// fixed or negotiated group). The transport sends <see cref="ClientPublic"/> as the string or
/// mpint of SSH_MSG_KEX_ECDH_INIT / KEXDH_INIT (the two share wire framing) and hashes it and the
/// server's reply the same way. Disposing zeroes the ephemeral secret.
/// </summary>
public interface IKeyExchange : IDisposable
{
    /// <summary>The hash of the exchange hash and key derivation (SHA-256 or SHA-512).</summary>
    HashAlgorithmName Hash { get; }

    /// <summary>The client's ephemeral public value, as the content bytes of its string or mpint.</summary>
    ReadOnlySpan<byte> ClientPublic { get; }

    /// <summary>
    /// Derives the shared secret K from the server's public value (content bytes of Q_S or f) and
    /// returns K already encoded as the exchange hash takes it: an mpint, or a string for the
    /// post-quantum hybrids, length prefix included. Throws <see cref="SshProtocolException"/> for an invalid value.
    /// </summary>
    byte[] DeriveSharedSecret(ReadOnlySpan<byte> serverPublic);

    /// <summary>
    /// The server's side, for in-process tests: takes the client's value and returns the server's
    /// public value and the encoded K.
    /// </summary>
    (byte[] ServerPublic, byte[] SharedSecret) Respond(ReadOnlySpan<byte> clientPublic);
}
