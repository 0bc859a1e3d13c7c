using Hop.Ssh.Wire;

namespace Hop.Ssh.Mux;

/// <summary>
/// MUX_MSG_HELLO (PROTOCOL.mux §1): <c>uint32 MUX_MSG_HELLO, uint32 protocol version, then zero or more
/// string name, string value</c> extension pairs. PROTOCOL.mux defines none; hop's master sends
/// <see cref="MuxProtocol.ProxyGlobalRequestsExtension"/> (with an empty value), and a peer's names are
/// kept, their values not.
/// </summary>
public readonly record struct MuxHello(uint Version, IReadOnlyList<string> ExtensionNames)
{
    private const int MaxExtensions = 64;

    public MuxHello(uint version)
        : this(version, [])
    {
    }

    public void Write(ref SshWriter w)
    {
        w.WriteUInt32(MuxProtocol.Hello);
        w.WriteUInt32(Version);
        foreach (var name in ExtensionNames ?? [])
        {
            w.WriteString(name);
            w.WriteString("");
        }
    }

    public static MuxHello Read(ref SshReader r)
    {
        if (r.ReadUInt32() != MuxProtocol.Hello) throw new SshProtocolException("the control socket's first message is not a hello");
        uint version = r.ReadUInt32();
        var names = new List<string>();
        for (int i = 0; r.Remaining > 0; i++)
        {
            if (i == MaxExtensions) throw new SshProtocolException("too many extensions in the control socket's hello");
            names.Add(System.Text.Encoding.UTF8.GetString(r.ReadString(1024)));
            r.ReadString(64 * 1024);
        }
        return new MuxHello(version, names);
    }
}

/// <summary>
/// MUX_C_NEW_SESSION (PROTOCOL.mux §2): <c>uint32 type, uint32 request id, string reserved, uint32 want tty,
/// uint32 want X11, uint32 want agent, uint32 subsystem, uint32 escape char, string terminal type, string
/// command, string environment...</c>; stdin, stdout and stderr follow as passed descriptors. The four
/// flags are "bool" in PROTOCOL.mux but uint32 in OpenSSH's mux.c, which refuses a byte as malformed.
/// </summary>
public sealed record MuxNewSession(uint RequestId, bool WantTty, bool WantX11, bool WantAgent, bool Subsystem, uint EscapeChar,
    string TerminalType, string Command, IReadOnlyList<string> Environment)
{
    public void Write(ref SshWriter w)
    {
        w.WriteUInt32(MuxProtocol.NewSession);
        w.WriteUInt32(RequestId);
        w.WriteString("");
        w.WriteUInt32(WantTty ? 1u : 0u);
        w.WriteUInt32(WantX11 ? 1u : 0u);
        w.WriteUInt32(WantAgent ? 1u : 0u);
        w.WriteUInt32(Subsystem ? 1u : 0u);
        w.WriteUInt32(EscapeChar);
        w.WriteString(TerminalType);
        w.WriteString(Command);
        foreach (var e in Environment) w.WriteString(e);
    }

    public static MuxNewSession Read(ref SshReader r)
    {
        if (r.ReadUInt32() != MuxProtocol.NewSession) throw new SshProtocolException("not a new-session request");
        uint id = r.ReadUInt32();
        r.ReadString(64 * 1024);
        bool tty = r.ReadUInt32() != 0, x11 = r.ReadUInt32() != 0, agent = r.ReadUInt32() != 0, subsystem = r.ReadUInt32() != 0;
        uint escape = r.ReadUInt32();
        string term = r.ReadUtf8(1024);
        string command = r.ReadUtf8(MuxProtocol.MaxMessageLength);
        var env = new List<string>();
        while (r.Remaining > 0) env.Add(r.ReadUtf8(MuxProtocol.MaxMessageLength));
        return new MuxNewSession(id, tty, x11, agent, subsystem, escape, term, command, env);
    }
}

/// <summary>
/// The requests that carry only their request id: MUX_C_ALIVE_CHECK (§4), MUX_C_TERMINATE (§5) and
/// MUX_C_STOP_LISTENING (§8): <c>uint32 type, uint32 request id</c>.
/// </summary>
public readonly record struct MuxSimpleRequest(uint Type, uint RequestId)
{
    public void Write(ref SshWriter w)
    {
        w.WriteUInt32(Type);
        w.WriteUInt32(RequestId);
    }

    public static MuxSimpleRequest Read(ref SshReader r) => new(r.ReadUInt32(), r.ReadUInt32());
}

/// <summary>
/// A master's reply or notice (§2, §4, §10): <c>uint32 type, uint32 client request id or session id</c>,
/// then for MUX_S_ALIVE the master's pid, for MUX_S_SESSION_OPENED the session id, for
/// MUX_S_EXIT_MESSAGE the exit value, for MUX_S_REMOTE_PORT the port (<see cref="Value"/>), and for
/// MUX_S_PERMISSION_DENIED and MUX_S_FAILURE a reason.
/// </summary>
public sealed record MuxReply(uint Type, uint Id, uint Value, string? Reason)
{
    public void Write(ref SshWriter w)
    {
        w.WriteUInt32(Type);
        w.WriteUInt32(Id);
        switch (Type)
        {
            case MuxProtocol.Alive or MuxProtocol.SessionOpened or MuxProtocol.ExitMessage or MuxProtocol.RemotePort:
                w.WriteUInt32(Value);
                break;
            case MuxProtocol.PermissionDenied or MuxProtocol.Failure:
                w.WriteString(Reason ?? "");
                break;
        }
    }

    public static MuxReply Read(ref SshReader r)
    {
        uint type = r.ReadUInt32();
        uint id = r.ReadUInt32();
        return type switch
        {
            MuxProtocol.Alive or MuxProtocol.SessionOpened or MuxProtocol.ExitMessage or MuxProtocol.RemotePort => new MuxReply(type, id, r.ReadUInt32(), null),
            MuxProtocol.PermissionDenied or MuxProtocol.Failure => new MuxReply(type, id, 0, r.ReadUtf8(64 * 1024)),
            MuxProtocol.Ok or MuxProtocol.TtyAllocFail or MuxProtocol.ProxyStarted => new MuxReply(type, id, 0, null),
            _ => throw new SshProtocolException($"unexpected control socket message 0x{type:x8}"),
        };
    }
}

/// <summary>
/// MUX_C_OPEN_FWD and MUX_C_CLOSE_FWD (PROTOCOL.mux §6, §7): <c>uint32 type, uint32 request id, uint32
/// forwarding type (MUX_FWD_LOCAL 1, MUX_FWD_REMOTE 2, MUX_FWD_DYNAMIC 3), string listen host, uint32
/// listen port, string connect host, uint32 connect port</c>. A port of <see cref="UnixSocketPort"/>
/// makes its host a Unix socket path; an empty listen host is the default address, an empty connect
/// host a SOCKS forward.
/// </summary>
public sealed record MuxForward(uint Type, uint RequestId, uint Kind, string ListenHost, uint ListenPort, string ConnectHost, uint ConnectPort)
{
    public const uint Local = 1;
    public const uint Remote = 2;
    public const uint Dynamic = 3;

    /// <summary>OpenSSH's PORT_STREAMLOCAL, (unsigned) -2.</summary>
    public const uint UnixSocketPort = 0xfffffffe;

    public void Write(ref SshWriter w)
    {
        w.WriteUInt32(Type);
        w.WriteUInt32(RequestId);
        w.WriteUInt32(Kind);
        w.WriteString(ListenHost);
        w.WriteUInt32(ListenPort);
        w.WriteString(ConnectHost);
        w.WriteUInt32(ConnectPort);
    }

    public static MuxForward Read(ref SshReader r)
    {
        uint type = r.ReadUInt32();
        if (type is not (MuxProtocol.OpenForward or MuxProtocol.CloseForward)) throw new SshProtocolException("not a forwarding request");
        uint id = r.ReadUInt32();
        uint kind = r.ReadUInt32();
        if (kind is not (Local or Remote or Dynamic)) throw new SshProtocolException($"unknown forwarding type {kind}");
        var forward = new MuxForward(type, id, kind, r.ReadUtf8(4096), r.ReadUInt32(), r.ReadUtf8(4096), r.ReadUInt32());
        r.EnsureEnd();
        return forward;
    }
}

/// <summary>
/// MUX_C_NEW_STDIO_FWD (PROTOCOL.mux §4, ssh -W through a master): <c>uint32 type, uint32 request id,
/// string reserved, string connect host, uint32 connect port</c>; the client's stdin and stdout follow
/// as passed descriptors. The master answers MUX_S_SESSION_OPENED and closes the socket when the
/// forward ends.
/// </summary>
public sealed record MuxStdioForward(uint RequestId, string ConnectHost, uint ConnectPort)
{
    public void Write(ref SshWriter w)
    {
        w.WriteUInt32(MuxProtocol.NewStdioForward);
        w.WriteUInt32(RequestId);
        w.WriteString(""u8);
        w.WriteString(ConnectHost);
        w.WriteUInt32(ConnectPort);
    }

    public static MuxStdioForward Read(ref SshReader r)
    {
        if (r.ReadUInt32() != MuxProtocol.NewStdioForward) throw new SshProtocolException("not a stdio forwarding request");
        uint id = r.ReadUInt32();
        r.ReadString(4096); // reserved
        var forward = new MuxStdioForward(id, r.ReadUtf8(4096), r.ReadUInt32());
        r.EnsureEnd();
        return forward;
    }
}
