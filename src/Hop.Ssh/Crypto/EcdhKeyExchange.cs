using System.Security.Cryptography;

namespace Hop.Ssh.Crypto;

/// <summary>
/// ecdh-sha2-nistp256/384/521 (RFC 5656 §4, §7.1): Q_C and Q_S are uncompressed points
/// (0x04 || X || Y) sent as strings; the peer's point is checked to lie on the curve (not the point
/// at infinity, coordinates in range); K is the x coordinate of the shared point as an mpint.
/// </summary>
public sealed class EcdhKeyExchange : IKeyExchange
{
    private readonly ECCurve _curve;
    private readonly int _coordinateSize;
    private readonly ECDiffieHellman _key;
    private readonly byte[] _public;

    /// <summary>Creates an exchange on the curve with a fresh ephemeral key.</summary>
    /// <param name="curve">nistP256, nistP384 or nistP521.</param>
    /// <param name="hash">SHA-256, SHA-384 or SHA-512 respectively.</param>
    public EcdhKeyExchange(ECCurve curve, HashAlgorithmName hash)
    {
        _curve = curve;
        Hash = hash;
        _key = ECDiffieHellman.Create(curve);
        _coordinateSize = (_key.KeySize + 7) / 8;
        _public = EncodePoint(_key.ExportParameters(false).Q);
    }

    /// <inheritdoc/>
    public HashAlgorithmName Hash { get; }

    /// <inheritdoc/>
    public ReadOnlySpan<byte> ClientPublic => _public;

    /// <inheritdoc/>
    public byte[] DeriveSharedSecret(ReadOnlySpan<byte> serverPublic) => Agree(_key, serverPublic);

    /// <inheritdoc/>
    public (byte[] ServerPublic, byte[] SharedSecret) Respond(ReadOnlySpan<byte> clientPublic)
    {
        using var server = ECDiffieHellman.Create(_curve);
        byte[] serverPublic = EncodePoint(server.ExportParameters(false).Q);
        return (serverPublic, Agree(server, clientPublic));
    }

    private byte[] Agree(ECDiffieHellman own, ReadOnlySpan<byte> peerPoint)
    {
        if (peerPoint.Length != 1 + 2 * _coordinateSize || peerPoint[0] != 0x04)
            throw new SshProtocolException("ECDH public value is not an uncompressed point of the negotiated curve");
        ECDiffieHellman peer;
        try
        {
            var parameters = new ECParameters
            {
                Curve = _curve,
                Q = new ECPoint
                {
                    X = peerPoint.Slice(1, _coordinateSize).ToArray(),
                    Y = peerPoint.Slice(1 + _coordinateSize, _coordinateSize).ToArray(),
                },
            };
            // ImportParameters validates the point: on the curve, coordinates reduced, not infinity.
            peer = ECDiffieHellman.Create(parameters);
        }
        catch (CryptographicException e)
        {
            throw new SshProtocolException("ECDH public value is not a valid point on the curve", e);
        }
        using (peer)
        {
            byte[] x;
            try
            {
                x = own.DeriveRawSecretAgreement(peer.PublicKey);
            }
            catch (CryptographicException e)
            {
                throw new SshProtocolException("ECDH agreement failed on the peer's point", e);
            }
            try
            {
                return SharedSecretEncoding.Mpint(x);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(x);
            }
        }
    }

    private byte[] EncodePoint(ECPoint q)
    {
        var encoded = new byte[1 + 2 * _coordinateSize];
        encoded[0] = 0x04;
        q.X.AsSpan().CopyTo(encoded.AsSpan(1 + _coordinateSize - q.X!.Length));
        q.Y.AsSpan().CopyTo(encoded.AsSpan(1 + 2 * _coordinateSize - q.Y!.Length));
        return encoded;
    }

    /// <inheritdoc/>
    public void Dispose() => _key.Dispose();
}
