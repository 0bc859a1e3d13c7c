namespace Hop.Ssh.Connection.Messages;

/// <summary>The message numbers of the connection protocol (RFC 4254 §9).</summary>
public static class ConnectionMessageNumbers
{
    public const byte GlobalRequest = 80;
    public const byte RequestSuccess = 81;
    public const byte RequestFailure = 82;
    public const byte ChannelOpen = 90;
    public const byte ChannelOpenConfirmation = 91;
    public const byte ChannelOpenFailure = 92;
    public const byte ChannelWindowAdjust = 93;
    public const byte ChannelData = 94;
    public const byte ChannelExtendedData = 95;
    public const byte ChannelEof = 96;
    public const byte ChannelClose = 97;
    public const byte ChannelRequest = 98;
    public const byte ChannelSuccess = 99;
    public const byte ChannelFailure = 100;

    /// <summary>Reads the message number and checks that it is <paramref name="expected"/>.</summary>
    internal static void Expect(ref Wire.SshReader reader, byte expected)
    {
        byte number = reader.ReadByte();
        if (number != expected) throw new SshProtocolException($"expected message {expected}, got {number}");
    }
}
