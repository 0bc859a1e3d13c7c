using Hop.Ssh.Wire;

namespace Hop.Ssh.Transport.Messages;

/// <summary>
/// SSH_MSG_KEXINIT (RFC 4253 §7.1):
/// <code>
/// byte         SSH_MSG_KEXINIT
/// byte[16]     cookie (random bytes)
/// name-list    kex_algorithms
/// name-list    server_host_key_algorithms
/// name-list    encryption_algorithms_client_to_server
/// name-list    encryption_algorithms_server_to_client
/// name-list    mac_algorithms_client_to_server
/// name-list    mac_algorithms_server_to_client
/// name-list    compression_algorithms_client_to_server
/// name-list    compression_algorithms_server_to_client
/// name-list    languages_client_to_server
/// name-list    languages_server_to_client
/// boolean      first_kex_packet_follows
/// uint32       0 (reserved for future extension)
/// </code>
/// </summary>
public sealed class KexInitMessage
{
    public byte[] Cookie { get; init; } = new byte[16];
    public string[] KexAlgorithms { get; init; } = [];
    public string[] ServerHostKeyAlgorithms { get; init; } = [];
    public string[] EncryptionClientToServer { get; init; } = [];
    public string[] EncryptionServerToClient { get; init; } = [];
    public string[] MacClientToServer { get; init; } = [];
    public string[] MacServerToClient { get; init; } = [];
    public string[] CompressionClientToServer { get; init; } = ["none"];
    public string[] CompressionServerToClient { get; init; } = ["none"];
    public string[] LanguagesClientToServer { get; init; } = [];
    public string[] LanguagesServerToClient { get; init; } = [];
    public bool FirstKexPacketFollows { get; init; }

    public static KexInitMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        if (r.ReadByte() != MessageNumbers.KexInit) throw new SshProtocolException("expected SSH_MSG_KEXINIT");
        var msg = new KexInitMessage
        {
            Cookie = r.ReadBytes(16).ToArray(),
            KexAlgorithms = r.ReadNameList(),
            ServerHostKeyAlgorithms = r.ReadNameList(),
            EncryptionClientToServer = r.ReadNameList(),
            EncryptionServerToClient = r.ReadNameList(),
            MacClientToServer = r.ReadNameList(),
            MacServerToClient = r.ReadNameList(),
            CompressionClientToServer = r.ReadNameList(),
            CompressionServerToClient = r.ReadNameList(),
            LanguagesClientToServer = r.ReadNameList(),
            LanguagesServerToClient = r.ReadNameList(),
            FirstKexPacketFollows = r.ReadBoolean(),
        };
        r.ReadUInt32();
        r.EnsureEnd();
        return msg;
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte(MessageNumbers.KexInit);
        w.WriteRaw(Cookie);
        w.WriteNameList(KexAlgorithms);
        w.WriteNameList(ServerHostKeyAlgorithms);
        w.WriteNameList(EncryptionClientToServer);
        w.WriteNameList(EncryptionServerToClient);
        w.WriteNameList(MacClientToServer);
        w.WriteNameList(MacServerToClient);
        w.WriteNameList(CompressionClientToServer);
        w.WriteNameList(CompressionServerToClient);
        w.WriteNameList(LanguagesClientToServer);
        w.WriteNameList(LanguagesServerToClient);
        w.WriteBoolean(FirstKexPacketFollows);
        w.WriteUInt32(0);
    }
}
