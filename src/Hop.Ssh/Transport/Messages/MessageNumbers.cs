namespace Hop.Ssh.Transport.Messages;

/// <summary>Message numbers of the transport layer (RFC 4253 §12, RFC 8308, RFC 5656, RFC 4419).</summary>
public static class MessageNumbers
{
    public const byte Disconnect = 1;
    public const byte Ignore = 2;
    public const byte Unimplemented = 3;
    public const byte Debug = 4;
    public const byte ServiceRequest = 5;
    public const byte ServiceAccept = 6;
    public const byte ExtInfo = 7;
    public const byte KexInit = 20;
    public const byte NewKeys = 21;

    /// <summary>SSH_MSG_KEXDH_INIT / SSH_MSG_KEX_ECDH_INIT / hybrid init.</summary>
    public const byte KexEcdhInit = 30;

    /// <summary>SSH_MSG_KEXDH_REPLY / SSH_MSG_KEX_ECDH_REPLY; also SSH_MSG_KEX_DH_GEX_GROUP in group exchange.</summary>
    public const byte KexEcdhReply = 31;
    public const byte KexDhGexGroup = 31;
    public const byte KexDhGexInit = 32;
    public const byte KexDhGexReply = 33;
    public const byte KexDhGexRequest = 34;

    /// <summary>True for the numbers allowed while a key exchange runs (RFC 4253 §7.1).</summary>
    public static bool IsKexMessage(byte n) => n is >= 20 and <= 49 || n is >= 1 and <= 4;
}

/// <summary>Reason codes of SSH_MSG_DISCONNECT (RFC 4253 §11.1).</summary>
public static class DisconnectReason
{
    public const uint HostNotAllowedToConnect = 1;
    public const uint ProtocolError = 2;
    public const uint KeyExchangeFailed = 3;
    public const uint MacError = 5;
    public const uint ServiceNotAvailable = 7;
    public const uint ProtocolVersionNotSupported = 8;
    public const uint HostKeyNotVerifiable = 9;
    public const uint ConnectionLost = 10;
    public const uint ByApplication = 11;
    public const uint TooManyConnections = 12;
    public const uint AuthCancelledByUser = 13;
    public const uint NoMoreAuthMethodsAvailable = 14;
}
