using System.Runtime.InteropServices;
using Hop.Cli.Terminal;
using Hop.Ssh.Config;
using Hop.Ssh.Mux;

namespace Hop.Cli.Commands;

/// <summary>A session through the master, as ssh's mux_client_request_session.</summary>
internal static partial class SshMuxClient
{
    private const int SigWinch = 28; // the same on Linux and macOS

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static int? RunSession(MuxClient mux, SshArguments a, ResolvedConfig c, DiagnosticLog log)
    {
        if (a.StdioForward is not null) return StdioForward(mux, a.StdioForward, log);
        // What the mux client here does not carry: -N and -f get a connection of their own.
        if (a.NoCommand || a.Background)
        {
            log.Write(1, "-N and -f are not passed to a master by hop; connecting directly");
            return null;
        }
        // As ssh: the session's forwards are the master's to open first; a refusal means a connection of our own.
        foreach (var spec in SshMuxForwards.Of(c))
        {
            try
            {
                mux.Forward(SshMuxForwards.ToMux(spec, open: true));
            }
            catch (MuxRefusedException e)
            {
                log.Say($"master forward request failed: {e.Message}");
                return null;
            }
        }
        uint masterPid = mux.AliveCheck();
        string command = string.Join(' ', a.Command);
        bool tty = SessionSetup.WantTty(a, c, command.Length > 0, log, out _);
        string term = c.SetEnv.Select(e => e.Split('=', 2)).FirstOrDefault(kv => kv.Length == 2 && kv[0] == "TERM")?[1] is { Length: > 0 } t
            ? t : Environment.GetEnvironmentVariable("TERM") ?? "";
        var request = new MuxNewSession(0, tty, c.ForwardX11, c.ForwardAgent, a.Subsystem,
            c.EscapeChar < 0 ? MuxProtocol.NoEscapeChar : (uint)c.EscapeChar, term, command,
            [.. SshCommand.EnvironmentToSend(c).Select(kv => $"{kv.Item1}={kv.Item2}")]);
        // -n: the master reads /dev/null instead of our stdin.
        int stdin = a.StdinNull ? PosixIo.Open("/dev/null", 0) : 0;
        uint session;
        try
        {
            session = mux.OpenSession(request, stdin, 1, 2);
        }
        finally
        {
            if (stdin > 0) PosixIo.Close(stdin);
        }
        log.Write(1, $"mux session {session} opened on the master (pid {masterPid})");

        var signals = new List<PosixSignalRegistration>
        {
            // The master reads the window size from the terminal we passed it when told of a change.
            PosixSignalRegistration.Create(PosixSignal.SIGWINCH, _ => AgentNative.Kill((int)masterPid, SigWinch)),
        };
        // As ssh's: a signal ends the wait (and, as the socket closes, the master ends the session); exit 255.
        bool signalled = false;
        signals.AddRange(AbortOnSignals(mux, () => signalled = true));
        byte[]? saved = tty ? RawTerminal.EnterRaw(0) : null;
        uint? exit;
        try
        {
            exit = mux.WaitForExit(session, () =>
            {
                if (saved is not null) RawTerminal.Restore(0, saved);
                saved = null;
            });
        }
        catch (Exception e) when (signalled && e is IOException or Hop.Ssh.SshException)
        {
            exit = null;
        }
        finally
        {
            foreach (var s in signals) s.Dispose();
            if (saved is not null) RawTerminal.Restore(0, saved);
        }
        if (exit is null) log.Write(1, signalled ? "Exiting on signal" : "Control master terminated unexpectedly");
        if (tty) log.Write(0, $"Shared connection to {c.OriginalHost} closed.");
        return exit is { } value && !signalled ? (int)value : 255;
    }

    /// <summary>
    /// -W through the master, as ssh's mux_client_request_stdio_fwd: our stdin and stdout go to the
    /// master, which relays them over a direct-tcpip channel and closes the socket when it ends.
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static int StdioForward(MuxClient mux, string target, DiagnosticLog log)
    {
        var (host, port) = SshForwarding.StdioTarget(target);
        uint masterPid = mux.AliveCheck();
        log.Write(1, $"stdio forward to {host}:{port} through the master (pid {masterPid})");
        // As ssh's: a signal ends the wait (the master then ends the forward as the socket closes).
        var signals = AbortOnSignals(mux, static () => { });
        try
        {
            mux.StdioForward(host, (uint)port, 0, 1);
        }
        finally
        {
            foreach (var s in signals) s.Dispose();
        }
        return 0;
    }

    /// <summary>SIGINT, SIGTERM and SIGHUP end a wait on the master (<see cref="MuxClient.Abort"/>) instead of the process; <paramref name="signalled"/> runs first.</summary>
    private static List<PosixSignalRegistration> AbortOnSignals(MuxClient mux, Action signalled) =>
    [
        .. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP }.Select(s => PosixSignalRegistration.Create(s, ctx =>
        {
            ctx.Cancel = true;
            signalled();
            mux.Abort();
        })),
    ];
}
