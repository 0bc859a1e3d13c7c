using System.Security.Cryptography;
using System.Text;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Keys.Pkcs11;

/// <summary>Asks for a token's PIN with <paramref name="prompt"/>; null when nobody answers.</summary>
public delegate ValueTask<string?> Pkcs11PinPrompt(string prompt, CancellationToken cancellationToken);

/// <summary>
/// A key on a PKCS#11 token: its public half, read from a CKO_PUBLIC_KEY object, and the CKA_ID that
/// names its private half. Signing is done by the token as ssh-pkcs11.c does it: RSA with CKM_RSA_PKCS
/// over the hash's DigestInfo (SHA-1, SHA-256 or SHA-512 for ssh-rsa, rsa-sha2-256, rsa-sha2-512),
/// ECDSA with CKM_ECDSA over the curve's hash, whose raw r||s becomes SSH's two mpints. The token is
/// logged in to the first time one of its keys signs, with the PIN asked as ssh asks it.
/// </summary>
public sealed class Pkcs11Key
{
    private static readonly byte[] Sha1Prefix = Convert.FromHexString("3021300906052b0e03021a05000414");
    private static readonly byte[] Sha256Prefix = Convert.FromHexString("3031300d060960864801650304020105000420");
    private static readonly byte[] Sha512Prefix = Convert.FromHexString("3051300d060960864801650304020305000440");

    private readonly Pkcs11Provider _provider;
    private readonly Pkcs11Slot _slot;
    private readonly byte[] _id;

    internal Pkcs11Key(Pkcs11Provider provider, Pkcs11Slot slot, byte[] id, SshPublicKey publicKey, string label)
    {
        _provider = provider;
        _slot = slot;
        _id = id;
        PublicKey = publicKey;
        Label = label;
    }

    public SshPublicKey PublicKey { get; }

    /// <summary>The key object's CKA_LABEL (ssh's comment for the key).</summary>
    public string Label { get; }

    /// <summary>The provider library, as named by the user.</summary>
    public string ProviderPath => _provider.Path;

    /// <summary>
    /// Signs <paramref name="data"/> with <paramref name="algorithm"/> on the token; returns the SSH
    /// signature blob, or null after ssh's error lines (wrong PIN, no private key, the token refused).
    /// </summary>
    public async ValueTask<byte[]?> SignAsync(ReadOnlyMemory<byte> data, string algorithm, Pkcs11PinPrompt? askPin, CancellationToken cancellationToken)
    {
        await _provider.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _provider.ThrowIfDisposed();
            var mechanism = PublicKey is RsaPublicKey ? Ck.RsaPkcs : Ck.Ecdsa;
            nuint? obj = await PrepareAsync(mechanism, askPin, cancellationToken).ConfigureAwait(false);
            if (obj is null)
            {
                _provider.Log(0, "pkcs11_get_key failed");
                return null;
            }
            return PublicKey is RsaPublicKey rsa ? SignRsa(rsa, data.Span, algorithm) : SignEcdsa((EcdsaPublicKey)PublicKey, data.Span);
        }
        finally
        {
            _provider.Gate.Release();
        }
    }

    /// <summary>ssh's pkcs11_get_key: log in if needed, find the private key by CKA_ID, C_SignInit, and a context login for an always-authenticate key.</summary>
    private async ValueTask<nuint?> PrepareAsync(nuint mechanismType, Pkcs11PinPrompt? askPin, CancellationToken ct)
    {
        bool didLogin = false;
        if (_slot.LoginRequired && !_slot.LoggedIn)
        {
            if (!await LoginAsync(Ck.User, askPin, ct).ConfigureAwait(false))
            {
                _provider.Log(0, "login failed");
                return null;
            }
            didLogin = true;
        }
        nuint obj = 0;
        if (!FindPrivateKey(withSign: true, ref obj) && !FindPrivateKey(withSign: false, ref obj))
        {
            _provider.Log(0, "cannot find private key");
            return null;
        }
        if (!SignInit(mechanismType, obj, out bool always)) return null;
        if (always && !didLogin)
        {
            _provider.Log(1, "pkcs11_get_key: always-auth key");
            if (!await LoginAsync(Ck.ContextSpecific, askPin, ct).ConfigureAwait(false))
            {
                _provider.Log(0, "login failed for always-auth key");
                return null;
            }
        }
        return obj;
    }

    /// <summary>C_SignInit with the mechanism, then whether the key is CKA_ALWAYS_AUTHENTICATE (an error reading it counts as no).</summary>
    private unsafe bool SignInit(nuint mechanismType, nuint obj, out bool alwaysAuthenticate)
    {
        alwaysAuthenticate = false;
        var f = _provider.Functions;
        var mechanism = new CkMechanism { Mechanism = mechanismType };
        nuint rv = f.SignInit(_slot.Session, &mechanism, obj);
        if (rv != Ck.Ok)
        {
            _provider.Log(0, $"C_SignInit failed: {rv}");
            return false;
        }
        byte always = 0;
        var attribute = new CkAttribute { Type = Ck.AlwaysAuthenticate, Value = &always, ValueLength = 1 };
        rv = f.GetAttributeValue(_slot.Session, obj, &attribute, 1);
        if (rv != Ck.Ok)
        {
            _provider.Log(0, $"C_GetAttributeValue failed: {rv}");
            return true;
        }
        alwaysAuthenticate = always != 0;
        _provider.Log(1, $"pkcs11_check_obj_bool_attrib: provider \"{_provider.Path}\" slot {_slot.Index} object {obj}: attrib {Ck.AlwaysAuthenticate} = {(always != 0 ? 1 : 0)}");
        return true;
    }

    /// <summary>The private key object with our CKA_ID (and CKA_SIGN true, when <paramref name="withSign"/>); exactly one must match.</summary>
    private unsafe bool FindPrivateKey(bool withSign, ref nuint obj)
    {
        nuint privateClass = Ck.PrivateKeyClass;
        byte trueValue = 1;
        fixed (byte* id = _id)
        {
            var filter = stackalloc CkAttribute[3];
            filter[0] = new CkAttribute { Type = Ck.Class, Value = &privateClass, ValueLength = (nuint)sizeof(nuint) };
            filter[1] = new CkAttribute { Type = Ck.Id, Value = id, ValueLength = (nuint)_id.Length };
            filter[2] = new CkAttribute { Type = Ck.Sign, Value = &trueValue, ValueLength = 1 };
            var found = _provider.FindObjects(_slot, filter, withSign ? 3 : 2, 2);
            if (found is not { Count: 1 })
            {
                _provider.Log(1, $"C_FindObjects failed (nfound {found?.Count ?? 0} nattr {(withSign ? 3 : 2)}): 0");
                return false;
            }
            obj = found[0];
            return true;
        }
    }

    /// <summary>ssh's pkcs11_login_slot: "Enter PIN for 'LABEL': " (or the reader's keypad), C_Login, ssh's message for each failure.</summary>
    private async ValueTask<bool> LoginAsync(nuint userType, Pkcs11PinPrompt? askPin, CancellationToken ct)
    {
        bool keypad = (_slot.Flags & Ck.ProtectedAuthenticationPath) != 0;
        if (!_provider.Interactive || askPin is null && !keypad)
        {
            _provider.Log(0, "need pin entry" + (keypad ? " on reader keypad" : ""));
            return false;
        }
        byte[]? pin = null;
        if (keypad)
        {
            _provider.Log(1, "Deferring PIN entry to reader keypad.");
        }
        else
        {
            string? answer = await askPin!($"Enter PIN for '{_slot.Label}': ", ct).ConfigureAwait(false);
            if (answer is null)
            {
                _provider.Log(1, "pkcs11_login_slot: no pin specified");
                return false;
            }
            pin = Encoding.UTF8.GetBytes(answer);
        }
        nuint rv;
        try
        {
            rv = Login(userType, pin);
        }
        finally
        {
            Pkcs11Provider.Clear(pin);
        }
        string? failure = rv switch
        {
            Ck.Ok or Ck.UserAlreadyLoggedIn => null,
            Ck.PinLenRange => "PIN length out of range",
            Ck.PinIncorrect => "PIN incorrect",
            Ck.PinLocked => "PIN locked",
            _ => $"error {rv}",
        };
        if (failure is not null)
        {
            _provider.Log(0, $"PKCS#11 login failed: {failure}");
            return false;
        }
        _slot.LoggedIn = true;
        return true;
    }

    private unsafe nuint Login(nuint userType, byte[]? pin)
    {
        fixed (byte* p = pin)
        {
            return _provider.Functions.Login(_slot.Session, userType, p, (nuint)(pin?.Length ?? 0));
        }
    }

    private byte[]? SignRsa(RsaPublicKey key, ReadOnlySpan<byte> data, string algorithm)
    {
        var (prefix, hash) = algorithm switch
        {
            "rsa-sha2-256" => (Sha256Prefix, HashAlgorithmName.SHA256),
            "rsa-sha2-512" => (Sha512Prefix, HashAlgorithmName.SHA512),
            "ssh-rsa" => (Sha1Prefix, HashAlgorithmName.SHA1),
            _ => (null, default),
        };
        if (prefix is null)
        {
            _provider.Log(0, $"pkcs11_sign_rsa: unsupported signature algorithm {algorithm}");
            return null;
        }
        byte[] digestInfo = [.. prefix, .. Digest(hash, data)];
        int size = (key.KeySizeBits + 7) / 8;
        byte[]? signature = Sign(digestInfo, size);
        Pkcs11Provider.Clear(digestInfo);
        if (signature is null) return null;
        if (signature.Length > size)
        {
            _provider.Log(0, "pkcs11_sign_rsa: bad C_Sign length");
            return null;
        }
        if (signature.Length < size) signature = [.. new byte[size - signature.Length], .. signature];
        using var buffer = new SshBuffer(size + 32);
        var w = buffer.Writer;
        w.WriteString(algorithm);
        w.WriteString(signature);
        return buffer.ToArray();
    }

    private byte[]? SignEcdsa(EcdsaPublicKey key, ReadOnlySpan<byte> data)
    {
        var hash = key.KeySizeBits switch { <= 256 => HashAlgorithmName.SHA256, <= 384 => HashAlgorithmName.SHA384, _ => HashAlgorithmName.SHA512 };
        byte[] digest = Digest(hash, data);
        byte[]? signature = Sign(digest, 132);
        Pkcs11Provider.Clear(digest);
        if (signature is null) return null;
        if (signature.Length < 64 || signature.Length > 132 || signature.Length % 2 != 0)
        {
            _provider.Log(0, $"pkcs11_sign_ecdsa: bad signature length: {signature.Length}");
            return null;
        }
        int half = signature.Length / 2;
        using var inner = new SshBuffer(signature.Length + 16);
        var iw = inner.Writer;
        iw.WriteMpint(signature.AsSpan(0, half));
        iw.WriteMpint(signature.AsSpan(half));
        using var buffer = new SshBuffer(signature.Length + 64);
        var w = buffer.Writer;
        w.WriteString(key.KeyType);
        w.WriteString(inner.WrittenSpan);
        return buffer.ToArray();
    }

    private static byte[] Digest(HashAlgorithmName hash, ReadOnlySpan<byte> data) =>
        hash == HashAlgorithmName.SHA1 ? SHA1.HashData(data)
        : hash == HashAlgorithmName.SHA256 ? SHA256.HashData(data)
        : hash == HashAlgorithmName.SHA384 ? SHA384.HashData(data)
        : SHA512.HashData(data);

    /// <summary>C_Sign into a buffer of <paramref name="capacity"/> bytes; null after ssh's error.</summary>
    private unsafe byte[]? Sign(byte[] input, int capacity)
    {
        var output = new byte[capacity];
        nuint length = (nuint)capacity;
        nuint rv;
        fixed (byte* pIn = input)
        fixed (byte* pOut = output)
        {
            rv = _provider.Functions.Sign(_slot.Session, pIn, (nuint)input.Length, pOut, &length);
        }
        if (rv != Ck.Ok)
        {
            _provider.Log(0, $"C_Sign failed: {rv}");
            return null;
        }
        if (length > (nuint)capacity)
        {
            _provider.Log(0, $"C_Sign returned {length} bytes, more than {capacity}");
            return null;
        }
        return output[..(int)length];
    }

    public override string ToString() => $"{PublicKey.KeyType} {Label} ({ProviderPath})";
}
