using Hop.Ssh.Connection;
using Hop.Ssh.Connection.Messages;
using Hop.Ssh.Keys;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Client;

/// <summary>How one host key proof turned out.</summary>
public enum HostKeyProofResult
{
    /// <summary>The signature is good: the server holds the private key.</summary>
    Valid,
    /// <summary>The signature is wrong (or unreadable): nothing the server announced may be trusted.</summary>
    Invalid,
    /// <summary>An RSA key signed with an algorithm we do not take as proof (SHA-1): the key is left out, the rest goes on.</summary>
    Disregarded,
}

/// <summary>
/// The client half of OpenSSH's host key rotation (PROTOCOL, "hostkeys-00@openssh.com"): read the server's
/// announcement of every host key it holds, ask it to prove the ones we do not know yet
/// ("hostkeys-prove-00@openssh.com"), and check each proof with the session identifier. What to do with the
/// proved keys (known_hosts) is the caller's.
/// </summary>
public static class HostKeyUpdates
{
    /// <summary>RSA proofs are taken only with these algorithms, unless an RSA host key algorithm was negotiated.</summary>
    private static readonly string[] RsaProofAlgorithms = ["rsa-sha2-512", "rsa-sha2-256"];

    /// <summary>
    /// Reads the keys of a hostkeys-00@openssh.com announcement. Keys of a type we cannot parse are skipped, so are
    /// certificates and keys no entry of <paramref name="hostKeyAlgorithms"/> allows; a key announced twice makes the
    /// whole announcement void (null), as OpenSSH treats it.
    /// </summary>
    public static IReadOnlyList<SshPublicKey>? ParseAnnouncement(ReadOnlySpan<byte> data, IReadOnlyList<string> hostKeyAlgorithms, Action<int, string>? log = null,
        System.Security.Cryptography.HashAlgorithmName? fingerprintHash = null)
    {
        ArgumentNullException.ThrowIfNull(hostKeyAlgorithms);
        var reader = new SshReader(data);
        HostKeysList list;
        try
        {
            list = HostKeysList.Read(ref reader);
        }
        catch (SshProtocolException e)
        {
            log?.Invoke(1, $"hostkeys: parse key: {e.Message}");
            return null;
        }
        var keys = new List<SshPublicKey>();
        foreach (var blob in list.Items)
        {
            string type = BlobType(blob);
            if (type.EndsWith("-cert-v01@openssh.com", StringComparison.Ordinal))
            {
                log?.Invoke(3, $"hostkeys: {type} key is a certificate; skipping");
                continue;
            }
            SshPublicKey key;
            try
            {
                key = SshPublicKey.FromBlob(blob);
            }
            catch (SshKeyFormatException e)
            {
                log?.Invoke(1, $"hostkeys: convert key: {e.Message}");
                continue;
            }
            log?.Invoke(3, $"hostkeys: received {KeyFingerprint.TypeLabel(key)} key {key.Fingerprint(fingerprintHash)}");
            if (!AcceptedBy(key, hostKeyAlgorithms))
            {
                log?.Invoke(3, $"hostkeys: {key.KeyType} key not permitted by HostkeyAlgorithms");
                continue;
            }
            if (keys.Contains(key))
            {
                log?.Invoke(0, $"hostkeys: received duplicated {key.KeyType} host key");
                return null;
            }
            keys.Add(key);
        }
        return keys;
    }

    /// <summary>True when HostKeyAlgorithms lets this key type in (an RSA key through any of its signature algorithms).</summary>
    public static bool AcceptedBy(SshPublicKey key, IReadOnlyList<string> hostKeyAlgorithms)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(hostKeyAlgorithms);
        if (key.KeyType == "ssh-rsa" && (hostKeyAlgorithms.Contains("rsa-sha2-256") || hostKeyAlgorithms.Contains("rsa-sha2-512"))) return true;
        return hostKeyAlgorithms.Contains(key.KeyType);
    }

    /// <summary>
    /// Checks one proof: <paramref name="signature"/> must sign (string "hostkeys-prove-00@openssh.com", string session id,
    /// string key blob) with <paramref name="key"/>. For RSA keys the signature algorithm must be the negotiated host key
    /// algorithm when that was an RSA one; otherwise only rsa-sha2-512/256 count and others are disregarded.
    /// </summary>
    public static HostKeyProofResult CheckProof(SshPublicKey key, ReadOnlySpan<byte> sessionId, ReadOnlySpan<byte> signature, string negotiatedHostKeyAlgorithm)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(negotiatedHostKeyAlgorithm);
        string? required = null;
        if (key.KeyType == "ssh-rsa")
        {
            if (negotiatedHostKeyAlgorithm is "ssh-rsa" or "rsa-sha2-256" or "rsa-sha2-512")
            {
                required = negotiatedHostKeyAlgorithm;
            }
            else
            {
                string alg = SignatureAlgorithm(signature);
                if (alg.Length == 0) return HostKeyProofResult.Invalid;
                if (!RsaProofAlgorithms.Contains(alg)) return HostKeyProofResult.Disregarded;
            }
        }
        byte[] data = HostKeysList.ProofData(sessionId, key.Blob);
        return key.Verify(data, signature, required) ? HostKeyProofResult.Valid : HostKeyProofResult.Invalid;
    }

    /// <summary>
    /// Asks the server to prove it holds <paramref name="keys"/> and checks every signature. Returns the proved keys (an
    /// RSA key proved with a disregarded algorithm is left out), or null when the server refused or any proof was wrong:
    /// then none of the announcement may be trusted.
    /// </summary>
    public static async Task<IReadOnlyList<SshPublicKey>?> ProveAsync(SshConnection connection, ReadOnlyMemory<byte> sessionId, string negotiatedHostKeyAlgorithm,
        IReadOnlyList<SshPublicKey> keys, Action<int, string>? log = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(keys);
        byte[] request;
        using (var buffer = new SshBuffer())
        {
            var w = buffer.Writer;
            new HostKeysList { Items = keys.Select(k => k.Blob.ToArray()).ToList() }.Write(ref w);
            request = buffer.ToArray();
        }
        log?.Invoke(3, $"hostkeys: asking server to prove ownership for {keys.Count} keys");
        var reply = await connection.SendGlobalRequestAsync(HostKeysList.ProveRequest, request, true, cancellationToken).ConfigureAwait(false);
        if (!reply.Success)
        {
            log?.Invoke(0, "Server failed to confirm ownership of private host keys");
            return null;
        }
        HostKeysList signatures;
        try
        {
            var reader = new SshReader(reply.ResponseData.Span);
            signatures = HostKeysList.Read(ref reader);
        }
        catch (SshProtocolException e)
        {
            log?.Invoke(0, $"hostkeys: parse sig: {e.Message}");
            return null;
        }
        if (signatures.Items.Count != keys.Count)
        {
            log?.Invoke(0, $"hostkeys: server sent {signatures.Items.Count} signatures for {keys.Count} keys");
            return null;
        }
        var proved = new List<SshPublicKey>();
        for (int i = 0; i < keys.Count; i++)
        {
            switch (CheckProof(keys[i], sessionId.Span, signatures.Items[i], negotiatedHostKeyAlgorithm))
            {
                case HostKeyProofResult.Valid:
                    proved.Add(keys[i]);
                    break;
                case HostKeyProofResult.Disregarded:
                    log?.Invoke(1, $"hostkeys: server used untrusted RSA signature algorithm {SignatureAlgorithm(signatures.Items[i])} for key {i}, disregarding");
                    break;
                default:
                    log?.Invoke(0, $"hostkeys: server gave bad signature for {KeyFingerprint.TypeLabel(keys[i])} key {i}: incorrect signature");
                    return null;
            }
        }
        return proved;
    }

    private static string BlobType(ReadOnlySpan<byte> blob)
    {
        try
        {
            var r = new SshReader(blob);
            return r.ReadName();
        }
        catch (SshProtocolException)
        {
            return "";
        }
    }

    private static string SignatureAlgorithm(ReadOnlySpan<byte> signature) => BlobType(signature);
}
