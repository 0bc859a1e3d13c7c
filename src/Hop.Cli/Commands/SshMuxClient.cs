using System.Net.Sockets;
using Hop.Cli.Terminal;
using Hop.Ssh;
using Hop.Ssh.Config;
using Hop.Ssh.Mux;

namespace Hop.Cli.Commands;

/// <summary>
/// ssh's mux client: with ControlPath set (and ControlMaster no, auto or autoask), a session runs
/// over a running master's connection (OpenSSH's or any that speaks PROTOCOL.mux) instead of a new
/// one, with our stdin, stdout and stderr passed to the master (and our -L/-R/-D opened by it);
/// `-O check|forward|cancel|exit|stop` talk to it. With no master running it connects as usual
/// (and with ControlMaster yes or auto becomes the master, <see cref="SshMuxMaster"/>).
/// </summary>
internal static partial class SshMuxClient
{
    /// <summary>The exit status when the master took the request, or null to connect as usual.</summary>
    public static int? TryRun(SshArguments a, ResolvedConfig c, DiagnosticLog log) => TryRun(a, c, log, out _);

    /// <summary>The control socket after -O proxy, now carrying the connection protocol, and whether the master answers global requests (<see cref="MuxProtocol.ProxyGlobalRequestsExtension"/>).</summary>
    public sealed record ProxyStart(Stream Stream, bool MasterAnswersGlobalRequests);

    /// <summary>
    /// As above; after -O proxy, when the master took the request, null and <paramref name="proxy"/>
    /// (see <see cref="SshCommand"/>'s proxy session).
    /// </summary>
    public static int? TryRun(SshArguments a, ResolvedConfig c, DiagnosticLog log, out ProxyStart? proxy)
    {
        proxy = null;
        if (a.ControlCommand is not null && c.ControlPath is null)
        {
            log.Say("No ControlPath specified for \"-O\" command");
            return 255;
        }
        if (c.ControlPath is not { } path || OperatingSystem.IsWindows()) return null;
        // As ssh's muxclient: with ControlMaster yes or ask (-M) this is a master, never a client, and
        // a -O command is not sent anywhere: the connection is made as without it.
        if (c.ControlMaster is not ("false" or "auto" or "autoask"))
        {
            log.Write(1, $"ControlMaster {c.ControlMaster}: not a client of another master");
            return null;
        }
        MuxClient mux;
        try
        {
            mux = MuxClient.Connect(path);
        }
        catch (SocketException e)
        {
            return ConnectFailed(a, c, path, e, log);
        }
        catch (SshProtocolException e)
        {
            log.Write(1, $"master hello exchange failed: {e.Message}");
            return a.ControlCommand is null ? null : 255;
        }
        using (mux)
        {
            try
            {
                if (OperatingSystem.IsWindows()) return null;
                return a.ControlCommand switch
                {
                    null => RunSession(mux, a, c, log),
                    "check" => Check(mux),
                    "exit" => Request(mux, MuxProtocol.Terminate, "Exit request sent.", log),
                    "stop" => Request(mux, MuxProtocol.StopListening, "Stop listening request sent.", log),
                    "forward" => ForwardAll(mux, c, open: true, log) ? 0 : 255,
                    "cancel" => CancelAll(mux, c, log),
                    "proxy" => StartProxy(mux, out proxy),
                    string other => Unsupported(other, log),
                };
            }
            catch (MuxRefusedException e)
            {
                log.Say(e.Message);
                return 255;
            }
        }
    }

    /// <summary>
    /// As ssh's muxclient when the socket does not answer: -O fails with ssh's line; a session goes
    /// on with a new connection, after removing a stale socket when ControlMaster is auto.
    /// </summary>
    private static int? ConnectFailed(SshArguments a, ResolvedConfig c, string path, SocketException e, DiagnosticLog log)
    {
        bool missing = !File.Exists(path) && !Directory.Exists(path);
        string reason = missing ? "No such file or directory" : e.SocketErrorCode == SocketError.ConnectionRefused ? "Connection refused" : e.Message;
        if (a.ControlCommand is not null)
        {
            log.Say($"Control socket connect({path}): {reason}");
            return 255;
        }
        if (missing)
        {
            log.Write(1, $"Control socket \"{path}\" does not exist");
        }
        else if (e.SocketErrorCode == SocketError.ConnectionRefused && c.ControlMaster != "false")
        {
            log.Write(1, $"Stale control socket {path}, unlinking");
            try
            {
                File.Delete(path);
            }
            catch (Exception x) when (x is IOException or UnauthorizedAccessException)
            {
                log.Write(1, $"unlink {path}: {x.Message}");
            }
        }
        else
        {
            log.Say($"Control socket connect({path}): {reason}");
        }
        return null;
    }

    /// <summary>-O proxy, as ssh's mux_client_proxy: the master's MUX_S_PROXY, then the socket is the session's.</summary>
    private static int? StartProxy(MuxClient mux, out ProxyStart? proxy)
    {
        bool answers = mux.MasterExtensions.Contains(MuxProtocol.ProxyGlobalRequestsExtension);
        proxy = new ProxyStart(mux.RequestProxy(), answers);
        return null;
    }

    private static int? Check(MuxClient mux)
    {
        uint pid = mux.AliveCheck();
        Console.Error.Write($"Master running (pid={pid})\r\n");
        return 0;
    }

    private static int? Request(MuxClient mux, uint type, string done, DiagnosticLog log)
    {
        mux.RequestOk(type);
        if (!log.Quiet) Console.Error.Write(done + "\r\n");
        return 0;
    }

    /// <summary>
    /// The configuration's forwards opened (or closed) by the master, as ssh's mux_client_forwards; for
    /// -O forward, a remote port the server chose is printed on stdout. False after the first refusal.
    /// </summary>
    private static bool ForwardAll(MuxClient mux, ResolvedConfig c, bool open, DiagnosticLog log)
    {
        foreach (var spec in SshMuxForwards.Of(c))
        {
            try
            {
                uint port = mux.Forward(SshMuxForwards.ToMux(spec, open));
                if (port != 0) Console.Out.Write($"{port}\n");
            }
            catch (MuxRefusedException e)
            {
                log.Say($"master {(open ? "forward" : "cancel forward")} request failed: {e.Message}");
                return false;
            }
        }
        return true;
    }

    /// <summary>-O cancel: as ssh, a refusal is reported and the exit status is 0 all the same.</summary>
    private static int? CancelAll(MuxClient mux, ResolvedConfig c, DiagnosticLog log)
    {
        ForwardAll(mux, c, open: false, log);
        return 0;
    }

    private static int? Unsupported(string command, DiagnosticLog log)
    {
        log.Say($"hop: -O {command} is not supported (hop's mux client knows check, forward, cancel, exit, stop and proxy)");
        return 255;
    }
}
