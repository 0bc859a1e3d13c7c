using System.Security.Cryptography;
using System.Text;

namespace Hop.Ssh.Keys.Pkcs11;

/// <summary>Finding a token's objects and reading their attributes: the public keys, and a key's private half.</summary>
public sealed unsafe partial class Pkcs11Provider
{
    /// <summary>Attribute values longer than this are not read (a 16384-bit modulus is 2048 bytes).</summary>
    internal const int MaxAttributeLength = 4096;

    /// <summary>
    /// Reads the slot's public key objects as ssh's pkcs11_fetch_keys does: each RSA or ECDSA key with
    /// its CKA_ID and CKA_LABEL; other key types are skipped with ssh's error; a key seen before is kept once.
    /// </summary>
    private void FetchKeys(Pkcs11Slot slot)
    {
        nuint publicKeyClass = Ck.PublicKeyClass;
        var filter = new CkAttribute { Type = Ck.Class, Value = &publicKeyClass, ValueLength = (nuint)sizeof(nuint) };
        var objects = FindObjects(slot, &filter, 1, MaxObjects);
        if (objects is null) return;
        foreach (nuint obj in objects)
        {
            var key = FetchPublicKey(slot, obj);
            if (key is null)
            {
                Log(0, "failed to fetch key");
                continue;
            }
            if (_keys.Any(k => k.PublicKey.Equals(key.PublicKey)))
            {
                Log(2, "pkcs11_fetch_keys: key already included");
                continue;
            }
            _keys.Add(key);
            Log(1, $"have {_keys.Count} keys");
        }
    }

    private Pkcs11Key? FetchPublicKey(Pkcs11Slot slot, nuint obj)
    {
        nuint keyType = nuint.MaxValue;
        var typeAttribute = new CkAttribute { Type = Ck.KeyType, Value = &keyType, ValueLength = (nuint)sizeof(nuint) };
        nuint rv = _f.GetAttributeValue(slot.Session, obj, &typeAttribute, 1);
        if (rv != Ck.Ok)
        {
            Log(0, $"C_GetAttributeValue failed: {rv}");
            return null;
        }
        var label = ReadAttributes(slot, obj, [Ck.Label], 255)?[0] ?? [];
        SshPublicKey? publicKey;
        byte[] id;
        if (keyType == Ck.KeyRsa)
        {
            if (ReadAttributes(slot, obj, [Ck.Id, Ck.Modulus, Ck.PublicExponent], MaxAttributeLength) is not { } a) return null;
            (id, publicKey) = (a[0], RsaKey(a[1], a[2]));
        }
        else if (keyType == Ck.KeyEc)
        {
            if (ReadAttributes(slot, obj, [Ck.Id, Ck.EcPoint, Ck.EcParams], MaxAttributeLength) is not { } a) return null;
            (id, publicKey) = (a[0], EcdsaKey(a[1], a[2]));
        }
        else
        {
            Log(0, $"skipping unsupported key type 0x{(ulong)keyType:x}");
            return null;
        }
        if (publicKey is null) return null;
        Log(2, $"pkcs11_record_key: {publicKey.KeyType} key: provider {Path} slot {slot.Index} keyid {Convert.ToHexStringLower(id)}");
        return new Pkcs11Key(this, slot, id, publicKey, Encoding.UTF8.GetString(label));
    }

    private RsaPublicKey? RsaKey(byte[] modulus, byte[] exponent)
    {
        if (modulus.Length == 0 || exponent.Length == 0)
        {
            Log(0, "invalid attribute length");
            return null;
        }
        try
        {
            return new RsaPublicKey(exponent, modulus);
        }
        catch (SshKeyFormatException e)
        {
            Log(0, $"pkcs11_fetch_rsa_pubkey: {e.Message}");
            return null;
        }
    }

    /// <summary>
    /// An ECDSA key from CKA_EC_PARAMS (the DER OID of a NIST curve) and CKA_EC_POINT (the uncompressed
    /// point in a DER OCTET STRING, as the standard has it; a bare point is taken too).
    /// </summary>
    private EcdsaPublicKey? EcdsaKey(byte[] point, byte[] parameters)
    {
        if (point.Length == 0 || parameters.Length == 0)
        {
            Log(0, "invalid attribute length");
            return null;
        }
        string? curve = Convert.ToHexStringLower(parameters) switch
        {
            "06082a8648ce3d030107" => "nistp256",
            "06052b81040022" => "nistp384",
            "06052b81040023" => "nistp521",
            _ => null,
        };
        if (curve is null)
        {
            Log(0, "couldn't get curve nid");
            return null;
        }
        ReadOnlySpan<byte> q = point;
        if (TryUnwrapOctetString(point, out var inner)) q = inner;
        try
        {
            return new EcdsaPublicKey(curve, q);
        }
        catch (SshKeyFormatException e)
        {
            Log(0, $"pkcs11_fetch_ecdsa_pubkey: {e.Message}");
            return null;
        }
    }

    private static int? DerLength(ReadOnlySpan<byte> s, out int used)
    {
        used = 0;
        if (s.IsEmpty) return null;
        if (s[0] < 0x80)
        {
            used = 1;
            return s[0];
        }
        int bytes = s[0] & 0x7f;
        if (bytes is 0 or > 2 || s.Length < 1 + bytes) return null;
        int length = 0;
        for (int i = 1; i <= bytes; i++) length = (length << 8) | s[i];
        used = 1 + bytes;
        return length;
    }

    /// <summary>The content of a DER OCTET STRING that fills <paramref name="der"/> exactly.</summary>
    private static bool TryUnwrapOctetString(ReadOnlySpan<byte> der, out ReadOnlySpan<byte> content)
    {
        content = default;
        if (der.Length < 2 || der[0] != 0x04) return false;
        if (DerLength(der[1..], out int used) is not int length || 1 + used + length != der.Length) return false;
        content = der[(1 + used)..];
        return true;
    }

    /// <summary>
    /// Reads attributes of an object: their lengths first, then their values. Null (after ssh's error)
    /// when the call fails or a length is unavailable or above <paramref name="maxLength"/>.
    /// </summary>
    internal byte[][]? ReadAttributes(Pkcs11Slot slot, nuint obj, nuint[] types, int maxLength)
    {
        var attributes = stackalloc CkAttribute[types.Length];
        for (int i = 0; i < types.Length; i++) attributes[i] = new CkAttribute { Type = types[i] };
        nuint rv = _f.GetAttributeValue(slot.Session, obj, attributes, (nuint)types.Length);
        if (rv != Ck.Ok)
        {
            Log(0, $"C_GetAttributeValue failed: {rv}");
            return null;
        }
        var values = new byte[types.Length][];
        for (int i = 0; i < types.Length; i++)
        {
            nuint length = attributes[i].ValueLength;
            if (length == Ck.Unavailable || length > (nuint)maxLength)
            {
                Log(0, "invalid attribute length");
                return null;
            }
            values[i] = new byte[(int)length];
        }
        var handles = new System.Runtime.InteropServices.GCHandle[types.Length];
        try
        {
            for (int i = 0; i < types.Length; i++)
            {
                handles[i] = System.Runtime.InteropServices.GCHandle.Alloc(values[i], System.Runtime.InteropServices.GCHandleType.Pinned);
                attributes[i].Value = values[i].Length == 0 ? null : (void*)handles[i].AddrOfPinnedObject();
            }
            rv = _f.GetAttributeValue(slot.Session, obj, attributes, (nuint)types.Length);
        }
        finally
        {
            foreach (var h in handles) if (h.IsAllocated) h.Free();
        }
        if (rv != Ck.Ok)
        {
            Log(0, $"C_GetAttributeValue failed: {rv}");
            return null;
        }
        for (int i = 0; i < types.Length; i++)
        {
            if (attributes[i].ValueLength > (nuint)values[i].Length) return null;
            if ((int)attributes[i].ValueLength < values[i].Length) values[i] = values[i][..(int)attributes[i].ValueLength];
        }
        return values;
    }

    /// <summary>The handles of up to <paramref name="max"/> objects matching a template; null after ssh's error.</summary>
    internal List<nuint>? FindObjects(Pkcs11Slot slot, CkAttribute* template, int count, int max)
    {
        nuint rv = _f.FindObjectsInit(slot.Session, template, (nuint)count);
        if (rv != Ck.Ok)
        {
            Log(0, $"C_FindObjectsInit failed: {rv}");
            return null;
        }
        var found = new List<nuint>();
        try
        {
            while (found.Count < max)
            {
                nuint obj = 0, n = 0;
                rv = _f.FindObjects(slot.Session, &obj, 1, &n);
                if (rv != Ck.Ok)
                {
                    Log(0, $"C_FindObjects failed: {rv}");
                    return null;
                }
                if (n == 0) break;
                found.Add(obj);
            }
        }
        finally
        {
            rv = _f.FindObjectsFinal(slot.Session);
            if (rv != Ck.Ok) Log(0, $"C_FindObjectsFinal failed: {rv}");
        }
        return found;
    }

    /// <summary>Zeroes a buffer that held a PIN or a digest.</summary>
    internal static void Clear(byte[]? buffer)
    {
        if (buffer is not null) CryptographicOperations.ZeroMemory(buffer);
    }
}
