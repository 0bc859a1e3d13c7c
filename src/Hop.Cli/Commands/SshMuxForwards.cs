using Hop.Ssh.Config;
using Hop.Ssh.Mux;

namespace Hop.Cli.Commands;

/// <summary>Forwardings as the control socket carries them (MUX_C_OPEN_FWD, MUX_C_CLOSE_FWD), and back.</summary>
internal static class SshMuxForwards
{
    /// <summary>The forwards of the configuration (command line included), in ssh's order: local, remote, dynamic.</summary>
    public static IEnumerable<ForwardSpec> Of(ResolvedConfig c) => [.. c.LocalForwards, .. c.RemoteForwards, .. c.DynamicForwards];

    public static MuxForward ToMux(ForwardSpec spec, bool open)
    {
        uint kind = spec.Kind switch { ForwardKind.Remote => MuxForward.Remote, ForwardKind.Dynamic => MuxForward.Dynamic, _ => MuxForward.Local };
        string listenHost = spec.ListenPath ?? spec.ListenHost ?? "";
        uint listenPort = spec.ListenPath is not null ? MuxForward.UnixSocketPort : (uint)spec.ListenPort;
        string connectHost = spec.ConnectPath ?? (spec.IsSocks ? "" : spec.ConnectHost ?? "");
        uint connectPort = spec.ConnectPath is not null ? MuxForward.UnixSocketPort : (uint)Math.Max(0, spec.ConnectPort);
        return new MuxForward(open ? MuxProtocol.OpenForward : MuxProtocol.CloseForward, 0, kind, listenHost, listenPort, connectHost, connectPort);
    }

    /// <summary>The forward a client asked for; null when it makes no sense (a port out of range, a local forward to nowhere).</summary>
    public static ForwardSpec? FromMux(MuxForward f)
    {
        bool listenPath = f.ListenPort == MuxForward.UnixSocketPort;
        bool connectPath = f.ConnectPort == MuxForward.UnixSocketPort;
        if ((!listenPath && f.ListenPort > 65535) || (!connectPath && f.ConnectPort > 65535)) return null;
        bool socks = f.Kind == MuxForward.Dynamic || (f.ConnectHost.Length == 0 && f.ConnectPort == 0);
        if (socks && f.Kind == MuxForward.Local) return null;
        return new ForwardSpec
        {
            Kind = f.Kind switch { MuxForward.Remote => ForwardKind.Remote, MuxForward.Dynamic => ForwardKind.Dynamic, _ => ForwardKind.Local },
            ListenPath = listenPath ? f.ListenHost : null,
            ListenHost = listenPath || f.ListenHost.Length == 0 ? null : f.ListenHost,
            ListenPort = listenPath ? -2 : (int)f.ListenPort,
            ConnectPath = connectPath ? f.ConnectHost : null,
            ConnectHost = connectPath ? null : socks ? "socks" : f.ConnectHost,
            ConnectPort = connectPath ? -2 : socks ? 0 : (int)f.ConnectPort,
        };
    }
}
