using Hop.Ssh.Wire;

namespace Hop.Ssh.Transport.Messages;

/// <summary>
/// SSH_MSG_KEX_ECDH_INIT (RFC 5656 §4) and SSH_MSG_KEXDH_INIT (RFC 4253 §8), which share a layout:
/// byte number (30), string Q_C (or mpint e). Also SSH_MSG_KEX_DH_GEX_INIT (32, RFC 4419).
/// </summary>
public sealed record KexEcdhInitMessage(byte[] ClientPublic, byte Number = MessageNumbers.KexEcdhInit)
{
    public static KexEcdhInitMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        byte n = r.ReadByte();
        var m = new KexEcdhInitMessage(r.ReadString(64 * 1024).ToArray(), n);
        r.EnsureEnd();
        return m;
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte(Number);
        w.WriteString(ClientPublic);
    }
}

/// <summary>
/// SSH_MSG_KEX_ECDH_REPLY (RFC 5656 §4) and SSH_MSG_KEXDH_REPLY (RFC 4253 §8), and
/// SSH_MSG_KEX_DH_GEX_REPLY (33, RFC 4419):
/// <code>
/// byte     number
/// string   K_S, server's public host key
/// string   Q_S, server's ephemeral public key (or mpint f)
/// string   the signature on the exchange hash
/// </code>
/// </summary>
public sealed record KexEcdhReplyMessage(byte[] HostKey, byte[] ServerPublic, byte[] Signature)
{
    public static KexEcdhReplyMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        r.ReadByte();
        var m = new KexEcdhReplyMessage(r.ReadString(64 * 1024).ToArray(), r.ReadString(64 * 1024).ToArray(), r.ReadString(64 * 1024).ToArray());
        r.EnsureEnd();
        return m;
    }

    public void Write(ref SshWriter w, byte number = MessageNumbers.KexEcdhReply)
    {
        w.WriteByte(number);
        w.WriteString(HostKey);
        w.WriteString(ServerPublic);
        w.WriteString(Signature);
    }
}

/// <summary>
/// SSH_MSG_KEX_DH_GEX_REQUEST (RFC 4419 §3): byte 34, uint32 min, uint32 n, uint32 max.
/// </summary>
public sealed record KexDhGexRequestMessage(uint Min, uint Preferred, uint Max)
{
    public static KexDhGexRequestMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        r.ReadByte();
        var m = new KexDhGexRequestMessage(r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt32());
        r.EnsureEnd();
        return m;
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte(MessageNumbers.KexDhGexRequest);
        w.WriteUInt32(Min);
        w.WriteUInt32(Preferred);
        w.WriteUInt32(Max);
    }
}

/// <summary>
/// SSH_MSG_KEX_DH_GEX_GROUP (RFC 4419 §3): byte 31, mpint p (safe prime), mpint g (generator).
/// Holds the magnitudes, big-endian.
/// </summary>
public sealed record KexDhGexGroupMessage(byte[] Prime, byte[] Generator)
{
    public static KexDhGexGroupMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        r.ReadByte();
        var m = new KexDhGexGroupMessage(r.ReadMpintUnsigned(8192 / 8 + 1).ToArray(), r.ReadMpintUnsigned(8192 / 8 + 1).ToArray());
        r.EnsureEnd();
        return m;
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte(MessageNumbers.KexDhGexGroup);
        w.WriteMpint(Prime);
        w.WriteMpint(Generator);
    }
}
