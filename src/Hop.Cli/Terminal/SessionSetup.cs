using Hop.Cli.Commands;
using Hop.Ssh.Client.X11;
using Hop.Ssh.Config;
using Hop.Ssh.Connection;

namespace Hop.Cli.Terminal;

/// <summary>The parts of `hop ssh`'s session set-up that concern the terminal and X11, as OpenSSH's ssh decides them.</summary>
internal static class SessionSetup
{
    /// <summary>
    /// Whether to ask for a PTY: -T never; -tt (RequestTTY force) always; -t (RequestTTY yes) when
    /// stdin is a terminal; otherwise (auto) when there is no command and stdin is a terminal.
    /// Says "Pseudo-terminal will not be allocated because stdin is not a terminal." as ssh does.
    /// <paramref name="required"/>: asked for with -t/-tt or RequestTTY yes/force, so that the
    /// server refusing it is fatal, as in ssh (client_status_confirm).
    /// </summary>
    public static bool WantTty(SshArguments a, ResolvedConfig c, bool hasCommand, DiagnosticLog log, out bool required)
    {
        var mode = a.DisableTty ? RequestTty.No
            : a.ForceTty >= 2 ? RequestTty.Force
            : a.ForceTty == 1 ? RequestTty.Yes
            : c.RequestTty;
        bool want = mode switch
        {
            RequestTty.Force or RequestTty.Yes => true,
            RequestTty.No => false,
            _ => !hasCommand && !a.Subsystem,
        };
        if (want && mode != RequestTty.Force && !RawTerminal.IsTerminal(0))
        {
            log.Write(0, "Pseudo-terminal will not be allocated because stdin is not a terminal.");
            want = false;
        }
        required = want && mode is RequestTty.Force or RequestTty.Yes;
        return want;
    }

    /// <summary>
    /// -X/-Y (ForwardX11, ForwardX11Trusted, ForwardX11Timeout, XAuthLocation): sends x11-req
    /// without waiting for the answer (<see cref="X11Forwarding.Granted"/>); null (after one line)
    /// when X11 cannot be forwarded.
    /// </summary>
    public static async Task<X11Forwarding?> StartX11Async(SessionChannel session, ResolvedConfig c, DiagnosticLog log)
    {
        if (!c.ForwardX11) return null;
        return await X11Forwarding.StartAsync(session, new X11ForwardingOptions
        {
            Display = Environment.GetEnvironmentVariable("DISPLAY"),
            Trusted = c.ForwardX11Trusted,
            Timeout = c.ForwardX11Timeout,
            XAuthLocation = c.XAuthLocation,
            Log = log.Sink,
        }).ConfigureAwait(false);
    }
}
