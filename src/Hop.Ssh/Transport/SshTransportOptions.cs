using System.Security.Cryptography;
using Hop.Ssh.Keys;

namespace Hop.Ssh.Transport;

/// <summary>What the transport needs to know to connect: algorithm preferences, limits, the host key check.</summary>
public sealed class SshTransportOptions
{
    /// <summary>Our identification string, without CR LF (RFC 4253 §4.2).</summary>
    public string ClientVersion { get; init; } = "SSH-2.0-Hop_0.1";

    public required IReadOnlyList<string> KexAlgorithms { get; init; }
    public required IReadOnlyList<string> HostKeyAlgorithms { get; init; }
    public required IReadOnlyList<string> Ciphers { get; init; }
    public required IReadOnlyList<string> Macs { get; init; }

    /// <summary>Rekey after this many bytes each way (0: OpenSSH's default, from the cipher's block size).</summary>
    public long RekeyBytes { get; init; }

    /// <summary>Rekey after this much time (zero: never, as OpenSSH's default).</summary>
    public TimeSpan RekeyInterval { get; init; }

    /// <summary>Bound on the version exchange and the first key exchange.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Decides whether the server's host key is trusted; false aborts the connection.</summary>
    public required Func<HostKeyCheck, CancellationToken, ValueTask<bool>> VerifyHostKey { get; init; }

    /// <summary>FingerprintHash: the digest of the host key fingerprint logged ("Server host key: ...").</summary>
    public HashAlgorithmName FingerprintHash { get; init; } = HashAlgorithmName.SHA256;

    /// <summary>Receives debug lines (for -v); never given secrets.</summary>
    public Action<int, string>? Log { get; init; }
}

/// <summary>The server's host key, offered to <see cref="SshTransportOptions.VerifyHostKey"/>.</summary>
public sealed record HostKeyCheck(SshPublicKey Key, string Algorithm, byte[] KeyBlob);

/// <summary>The algorithms one key exchange settled on.</summary>
public sealed record NegotiatedAlgorithms(
    string Kex,
    string HostKey,
    string CipherClientToServer,
    string CipherServerToClient,
    string? MacClientToServer,
    string? MacServerToClient);
