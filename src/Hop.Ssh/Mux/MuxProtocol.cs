namespace Hop.Ssh.Mux;

/// <summary>
/// OpenSSH's connection-sharing (ControlMaster) protocol, PROTOCOL.mux: messages on the master's Unix
/// socket are <c>uint32 length</c>, then <c>uint32 type</c> and the body in SSH wire format.
/// </summary>
public static class MuxProtocol
{
    /// <summary>The protocol version both sides send in their hello (4 since OpenSSH 5.4).</summary>
    public const uint Version = 4;

    /// <summary>The longest message accepted (OpenSSH's master refuses more than 256 KiB too).</summary>
    public const int MaxMessageLength = 256 * 1024;

    /// <summary>The escape character field's value for "none".</summary>
    public const uint NoEscapeChar = 0xffffffff;

    public const uint Hello = 0x00000001;
    public const uint NewSession = 0x10000002;
    public const uint AliveCheck = 0x10000004;
    public const uint Terminate = 0x10000005;
    public const uint OpenForward = 0x10000006;
    public const uint CloseForward = 0x10000007;
    public const uint NewStdioForward = 0x10000008;
    public const uint StopListening = 0x10000009;

    /// <summary>MUX_C_PROXY: from here on the socket carries connection-protocol messages (<see cref="MuxProxyFraming"/>).</summary>
    public const uint Proxy = 0x1000000f;
    public const uint Ok = 0x80000001;
    public const uint PermissionDenied = 0x80000002;
    public const uint Failure = 0x80000003;
    public const uint ExitMessage = 0x80000004;
    public const uint Alive = 0x80000005;
    public const uint SessionOpened = 0x80000006;
    public const uint RemotePort = 0x80000007;
    public const uint TtyAllocFail = 0x80000008;

    /// <summary>MUX_S_PROXY: the master took <see cref="Proxy"/>; its next bytes are proxy frames.</summary>
    public const uint ProxyStarted = 0x8000000f;

    /// <summary>
    /// An extension of hop's masters in their hello: a proxy client's global requests are answered
    /// (tcpip-forward and its cancel go to the server and its answer comes back; others fail), and the
    /// server's connections to a forward the client asked for are the client's channels. OpenSSH's
    /// master routes those connections too, but keeps the answer, so a client cannot learn whether the
    /// forward was made or on which port.
    /// </summary>
    public const string ProxyGlobalRequestsExtension = "proxy-global-requests@hop";
}
