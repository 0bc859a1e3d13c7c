using Hop.Ssh.Crypto;

namespace Hop.Ssh.Tests.Crypto;

/// <summary>Builds packets and protectors the same way the AsyncSSH vector generator did.</summary>
internal static class ProtectorTestKit
{
    public static byte[] Pattern(int length, int step, int offset)
    {
        var b = new byte[length];
        for (int i = 0; i < length; i++) b[i] = (byte)((i * step + offset) & 0xFF);
        return b;
    }

    /// <summary>Every cipher×MAC combination of the tables (AEADs once, with no MAC).</summary>
    public static IEnumerable<(CipherAlgorithm Cipher, MacAlgorithm? Mac)> AllCombinations()
    {
        foreach (var c in CipherAlgorithms.Supported)
        {
            if (c.IsAead) yield return (c, null);
            else foreach (var m in MacAlgorithms.Supported) yield return (c, m);
        }
    }

    public static IPacketProtector Create(CipherAlgorithm cipher, MacAlgorithm? mac)
    {
        byte[] key = Pattern(cipher.KeySize, 3, 1);
        byte[] iv = cipher.IvSize switch
        {
            16 => [0, 1, 2, 3, 4, 5, 6, 7, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf0],
            12 => [1, 2, 3, 4, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe],
            _ => [],
        };
        byte[] macKey = mac is null ? [] : Pattern(mac.KeySize, 5, 0x40);
        return cipher.Create(key, iv, mac, macKey);
    }

    /// <summary>
    /// A packet laid out as RFC 4253 §6 (length, padding length, payload, padding) padded to the
    /// protector's block size, padding as in the generator: 0xA0, 0xA1, ...
    /// </summary>
    public static byte[] BuildPacket(IPacketProtector p, int payloadLength)
    {
        int headerLength = p.LengthExcludedFromPadding ? 1 : 5;
        int bs = p.BlockSize;
        int padding = ((-(headerLength + payloadLength)) % bs + bs) % bs;
        if (padding < 4) padding += bs;
        var packet = new byte[5 + payloadLength + padding];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)(1 + payloadLength + padding));
        packet[4] = (byte)padding;
        Pattern(payloadLength, 31, 7).CopyTo(packet, 5);
        Pattern(padding, 1, 0xA0).CopyTo(packet, 5 + payloadLength);
        return packet;
    }
}
