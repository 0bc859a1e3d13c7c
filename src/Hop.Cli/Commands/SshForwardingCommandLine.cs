using Hop.Cli.Terminal;
using Hop.Ssh.Config;

namespace Hop.Cli.Commands;

/// <summary>
/// Runs the "~C" command line of an interactive session against its forwards: -L/-R/-D open a
/// forward (a listener here, or tcpip-forward to the server), -KL/-KR/-KD close one (the listener,
/// or cancel-tcpip-forward), with OpenSSH's messages.
/// </summary>
internal static class SshForwardingCommandLine
{
    /// <summary>Runs <paramref name="line"/>; returns the lines to show, each ending in "\r\n".</summary>
    public static async Task<string> RunAsync(SshForwarding forwarding, string line)
    {
        ArgumentNullException.ThrowIfNull(forwarding);
        var command = EscapeCommandLine.Parse(line);
        switch (command.Request)
        {
            case CommandLineRequest.Nothing:
                return "";
            case CommandLineRequest.Help:
                return EscapeCommandLine.HelpText;
            case CommandLineRequest.Invalid:
                return command.Message + "\r\n";
            case CommandLineRequest.Add:
                bool added = command.Kind == ForwardKind.Remote
                    ? await forwarding.StartRemoteAsync(command.Spec!).ConfigureAwait(false) is not null
                    : forwarding.StartLocal(command.Spec!);
                return (added ? EscapeCommandLine.Added : EscapeCommandLine.AddFailed) + "\r\n";
            default:
                bool cancelled = command.Kind == ForwardKind.Remote
                    ? await forwarding.CancelRemoteAsync(command.Spec!).ConfigureAwait(false)
                    : await forwarding.CancelLocalAsync(command.Spec!).ConfigureAwait(false);
                return (cancelled ? EscapeCommandLine.Canceled : EscapeCommandLine.Unknown) + "\r\n";
        }
    }
}
