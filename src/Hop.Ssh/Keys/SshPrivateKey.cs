using Hop.Ssh.Wire;

namespace Hop.Ssh.Keys;

/// <summary>
/// A private key held in memory. Disposing it zeroes the secret material. <see cref="ToString"/>
/// never shows secret bytes.
/// </summary>
public abstract class SshPrivateKey : IDisposable
{
    private bool _disposed;

    /// <summary>The matching public key.</summary>
    public abstract SshPublicKey PublicKey { get; }

    /// <summary>The comment stored with the key (often user@host).</summary>
    public string Comment { get; set; } = "";

    /// <summary>Signs <paramref name="data"/> and returns the signature blob (string algorithm, string signature).</summary>
    public byte[] Sign(ReadOnlySpan<byte> data, string? algorithm = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        algorithm ??= PublicKey.SignatureAlgorithms[0];
        if (!PublicKey.SignatureAlgorithms.Contains(algorithm))
            throw new SshKeyFormatException($"a {PublicKey.KeyType} key cannot sign with {algorithm}");
        byte[] sig = SignRaw(algorithm, data);
        using var buffer = new SshBuffer(sig.Length + 64);
        var w = buffer.Writer;
        w.WriteString(algorithm);
        w.WriteString(sig);
        return buffer.ToArray();
    }

    /// <summary>Produces the inner signature bytes for the named algorithm.</summary>
    protected abstract byte[] SignRaw(string algorithm, ReadOnlySpan<byte> data);

    /// <summary>Zeroes the secret material.</summary>
    protected abstract void ZeroSecrets();

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        ZeroSecrets();
        GC.SuppressFinalize(this);
    }

    public override string ToString() => $"{PublicKey.KeyType} private key {PublicKey.Fingerprint()}";
}
