using System.Numerics;
using System.Security.Cryptography;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Keys;

/// <summary>
/// An OpenSSH key revocation list (PROTOCOL.krl, made by ssh-keygen -k), read for lookups:
/// <code>
/// uint64 KRL_MAGIC ("SSHKRL\n\0")   uint32 format version (1)
/// uint64 krl_version   uint64 generated_date   uint64 flags   string reserved   string comment
/// then sections:  byte section_type   string section_data
///   1 certificates:  string ca_key (empty: any CA)  string reserved, then
///        byte cert_section_type  string cert_section_data:
///        0x20 serial list (uint64 ...), 0x21 serial range (uint64 min, uint64 max),
///        0x22 serial bitmap (uint64 offset, mpint bitmap), 0x23 key IDs (string ...)
///   2 explicit keys (string key blob ...)   3 SHA1 and 5 SHA256 hashes of key blobs (string ...)
///   4 signature (string key, string signature): the list's end; not verified, as ssh does not for RevokedHostKeys
/// </code>
/// Keys and hashes are of the plain key (ssh-keygen writes a certificate's key): a certificate is revoked
/// by its key's, its CA's, or its own entry (serial or key ID under its CA; a serial of 0 is never
/// revoked by number). Blobs are compared as bytes, so that keys of any type can be listed.
/// </summary>
public sealed class KeyRevocationList
{
    private static ReadOnlySpan<byte> Magic => "SSHKRL\n\0"u8;
    private const int MaxEntry = 16 * 1024;

    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private readonly HashSet<string> _sha1 = new(StringComparer.Ordinal);
    private readonly HashSet<string> _sha256 = new(StringComparer.Ordinal);
    private readonly List<CertificateRevocations> _certificates = [];

    private sealed class CertificateRevocations(byte[]? caBlob)
    {
        public byte[]? CaBlob { get; } = caBlob;
        public List<ulong> Serials { get; } = [];
        public List<(ulong Min, ulong Max)> Ranges { get; } = [];
        public List<(ulong Offset, BigInteger Bits)> Bitmaps { get; } = [];
        public HashSet<string> KeyIds { get; } = new(StringComparer.Ordinal);

        public bool Revokes(SshCertificate certificate)
        {
            if (KeyIds.Contains(certificate.KeyId)) return true;
            ulong serial = certificate.Serial;
            if (serial == 0) return false;
            if (Serials.Contains(serial) || Ranges.Any(r => serial >= r.Min && serial <= r.Max)) return true;
            foreach (var (offset, bits) in Bitmaps)
            {
                if (serial < offset) continue;
                ulong index = serial - offset;
                if (index < (ulong)bits.GetBitLength() && !(bits >> (int)index).IsEven) return true;
            }
            return false;
        }
    }

    private KeyRevocationList()
    {
    }

    /// <summary>Whether <paramref name="data"/> starts as a KRL does (else it may be a list of public keys).</summary>
    public static bool IsKrl(ReadOnlySpan<byte> data) => data.StartsWith(Magic);

    /// <exception cref="SshKeyFormatException">not a KRL this reader understands, or malformed.</exception>
    public static KeyRevocationList Parse(ReadOnlySpan<byte> data)
    {
        var krl = new KeyRevocationList();
        try
        {
            var r = new SshReader(data);
            if (!r.ReadBytes(Magic.Length).SequenceEqual(Magic)) throw new SshKeyFormatException("not a key revocation list");
            if (r.ReadUInt32() != 1) throw new SshKeyFormatException("unsupported key revocation list format version");
            r.ReadUInt64(); // krl_version
            r.ReadUInt64(); // generated_date
            r.ReadUInt64(); // flags
            r.ReadString(); // reserved
            r.ReadString(); // comment
            while (!r.IsAtEnd)
            {
                byte type = r.ReadByte();
                var section = new SshReader(r.ReadString(int.MaxValue));
                switch (type)
                {
                    case 1: krl.ReadCertificates(ref section); break;
                    // Kept as blobs, not parsed: a list may name keys of types hop does not use (DSA, FIDO).
                    case 2: ReadAll(ref section, b => krl._keys.Add(Convert.ToHexString(b))); break;
                    case 3: ReadAll(ref section, b => krl._sha1.Add(Convert.ToHexString(b))); break;
                    case 5: ReadAll(ref section, b => krl._sha256.Add(Convert.ToHexString(b))); break;
                    case 4: return krl;
                    default: throw new SshKeyFormatException($"unsupported key revocation list section {type}");
                }
            }
            return krl;
        }
        catch (SshProtocolException e)
        {
            throw new SshKeyFormatException($"malformed key revocation list: {e.Message}", e);
        }
    }

    private delegate void EntryAction(ReadOnlySpan<byte> entry);

    private static void ReadAll(ref SshReader section, EntryAction add)
    {
        while (!section.IsAtEnd) add(section.ReadString(MaxEntry));
    }

    private void ReadCertificates(ref SshReader section)
    {
        var ca = section.ReadString(MaxEntry);
        section.ReadString(); // reserved
        var entry = new CertificateRevocations(ca.IsEmpty ? null : ca.ToArray());
        while (!section.IsAtEnd)
        {
            byte type = section.ReadByte();
            var part = new SshReader(section.ReadString(int.MaxValue));
            switch (type)
            {
                case 0x20:
                    while (!part.IsAtEnd) entry.Serials.Add(part.ReadUInt64());
                    break;
                case 0x21:
                    entry.Ranges.Add((part.ReadUInt64(), part.ReadUInt64()));
                    part.EnsureEnd();
                    break;
                case 0x22:
                    ulong offset = part.ReadUInt64();
                    entry.Bitmaps.Add((offset, new BigInteger(part.ReadMpintUnsigned(1024 * 1024), isUnsigned: true, isBigEndian: true)));
                    part.EnsureEnd();
                    break;
                case 0x23:
                    while (!part.IsAtEnd) entry.KeyIds.Add(System.Text.Encoding.UTF8.GetString(part.ReadString(MaxEntry)));
                    break;
                default:
                    throw new SshKeyFormatException($"unsupported certificate section {type} in a key revocation list");
            }
        }
        _certificates.Add(entry);
    }

    /// <summary>Whether <paramref name="key"/> (for a certificate: it, its key or its CA) is revoked here.</summary>
    public bool IsRevoked(SshPublicKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (KeyRevoked(key)) return true;
        if (key is not SshCertificate certificate) return false;
        foreach (var entry in _certificates)
        {
            if ((entry.CaBlob is null || certificate.SignatureKey.Blob.SequenceEqual(entry.CaBlob)) && entry.Revokes(certificate)) return true;
        }
        return KeyRevoked(certificate.SignatureKey);
    }

    private bool KeyRevoked(SshPublicKey key)
    {
        var plain = key.PlainKey.Blob;
        return _keys.Contains(Convert.ToHexString(plain))
            || _sha1.Contains(Convert.ToHexString(SHA1.HashData(plain)))
            || _sha256.Contains(Convert.ToHexString(SHA256.HashData(plain)));
    }
}
