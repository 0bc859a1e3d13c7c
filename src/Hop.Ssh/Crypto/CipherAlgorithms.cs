namespace Hop.Ssh.Crypto;

/// <summary>Creates one direction's protector from the derived key, IV and (for non-AEAD ciphers) MAC.</summary>
internal delegate IPacketProtector PacketProtectorFactory(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, MacAlgorithm? mac, ReadOnlySpan<byte> macKey);

/// <summary>One cipher's facts and its factory (RFC 4253 §6.3, RFC 4344, RFC 5647, OpenSSH PROTOCOL).</summary>
public sealed class CipherAlgorithm
{
    private readonly PacketProtectorFactory _factory;

    internal CipherAlgorithm(string name, int keySize, int ivSize, int blockSize, bool isAead, bool insecure, PacketProtectorFactory factory)
    {
        Name = name;
        KeySize = keySize;
        IvSize = ivSize;
        BlockSize = blockSize;
        IsAead = isAead;
        IsInsecure = insecure;
        _factory = factory;
    }

    /// <summary>The name as negotiated.</summary>
    public string Name { get; }

    /// <summary>Bytes of key to derive (letters C/D).</summary>
    public int KeySize { get; }

    /// <summary>Bytes of IV to derive (letters A/B); 0 when the cipher takes none.</summary>
    public int IvSize { get; }

    /// <summary>The block size padding rounds to.</summary>
    public int BlockSize { get; }

    /// <summary>
    /// Authenticated encryption: the MAC negotiated alongside is ignored (the MAC name-list still
    /// has to agree on something, as RFC 5647 §5.1 and OpenSSH have it) and no MAC key is derived.
    /// </summary>
    public bool IsAead { get; }

    /// <summary>Weak: only used when the user names it explicitly.</summary>
    public bool IsInsecure { get; }

    /// <summary>
    /// Creates one direction's protector. <paramref name="key"/> and <paramref name="iv"/> must hold at
    /// least <see cref="KeySize"/> and <see cref="IvSize"/> bytes (only those are used). For a
    /// non-AEAD cipher, <paramref name="mac"/> and a <paramref name="macKey"/> of at least its KeySize
    /// are required; for an AEAD cipher they are ignored.
    /// </summary>
    public IPacketProtector Create(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, MacAlgorithm? mac = null, ReadOnlySpan<byte> macKey = default)
    {
        if (key.Length < KeySize) throw new ArgumentException($"{Name} needs a {KeySize}-byte key", nameof(key));
        if (iv.Length < IvSize) throw new ArgumentException($"{Name} needs a {IvSize}-byte IV", nameof(iv));
        if (!IsAead && mac is null) throw new ArgumentException($"{Name} needs a MAC", nameof(mac));
        return _factory(key[..KeySize], iv[..IvSize], IsAead ? null : mac, IsAead ? default : macKey);
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>The cipher table: every cipher Hop supports, and OpenSSH's default order.</summary>
public static class CipherAlgorithms
{
    public static readonly CipherAlgorithm ChaCha20Poly1305 = new("chacha20-poly1305@openssh.com", 64, 0, 8, true, false,
        (k, _, _, _) => new ChaCha20Poly1305PacketProtector(k));
    public static readonly CipherAlgorithm Aes128Gcm = new("aes128-gcm@openssh.com", 16, 12, 16, true, false,
        (k, iv, _, _) => new AesGcmPacketProtector(k, iv));
    public static readonly CipherAlgorithm Aes256Gcm = new("aes256-gcm@openssh.com", 32, 12, 16, true, false,
        (k, iv, _, _) => new AesGcmPacketProtector(k, iv));
    public static readonly CipherAlgorithm Aes128Ctr = new("aes128-ctr", 16, 16, 16, false, false, CreateCtr);
    public static readonly CipherAlgorithm Aes192Ctr = new("aes192-ctr", 24, 16, 16, false, false, CreateCtr);
    public static readonly CipherAlgorithm Aes256Ctr = new("aes256-ctr", 32, 16, 16, false, false, CreateCtr);

    /// <summary>Every supported cipher, for ssh -Q cipher ("none" is internal and not listed).</summary>
    public static IReadOnlyList<CipherAlgorithm> Supported { get; } =
        [Aes128Ctr, Aes192Ctr, Aes256Ctr, Aes128Gcm, Aes256Gcm, ChaCha20Poly1305];

    /// <summary>Names of every supported cipher.</summary>
    public static IReadOnlyList<string> SupportedNames { get; } = Supported.Select(a => a.Name).ToArray();

    /// <summary>The default preference list (OpenSSH 10's).</summary>
    public static IReadOnlyList<string> Default { get; } =
        [ChaCha20Poly1305.Name, Aes128Gcm.Name, Aes256Gcm.Name, Aes128Ctr.Name, Aes192Ctr.Name, Aes256Ctr.Name];

    /// <summary>The algorithm of that name, or null.</summary>
    public static CipherAlgorithm? Find(string name) => Supported.FirstOrDefault(a => a.Name == name);

    /// <summary>The algorithm of that name; throws <see cref="SshException"/> when unknown.</summary>
    public static CipherAlgorithm Get(string name) => Find(name) ?? throw new SshException($"unsupported cipher \"{name}\"");


    /// <summary>The protection before the first NEWKEYS.</summary>
    public static IPacketProtector CreateNone() => new NonePacketProtector();

    private static AesCtrPacketProtector CreateCtr(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, MacAlgorithm? mac, ReadOnlySpan<byte> macKey) =>
        new(key, iv, mac!, macKey);
}
