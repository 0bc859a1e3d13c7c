namespace Hop.Ssh.Config;

public sealed partial class ResolvedConfig
{
    /// <summary>
    /// StrictHostKeyChecking=no let a changed host key through: as OpenSSH does, turn off everything a man in the middle
    /// could use (password and keyboard-interactive authentication, agent, X11 and port forwarding, UpdateHostKeys) and
    /// return OpenSSH's message for each thing that was on. <paramref name="cancelledForwarding"/> tells whether anything
    /// other than UpdateHostKeys was turned off (with ExitOnForwardFailure, ssh then gives up).
    /// </summary>
    public IReadOnlyList<string> DisableForChangedHostKey(out bool cancelledForwarding)
    {
        var messages = new List<string>();
        if (PasswordAuthentication)
        {
            messages.Add("Password authentication is disabled to avoid man-in-the-middle attacks.");
            PasswordAuthentication = false;
        }
        if (KbdInteractiveAuthentication)
        {
            messages.Add("Keyboard-interactive authentication is disabled to avoid man-in-the-middle attacks.");
            KbdInteractiveAuthentication = false;
        }
        if (ForwardAgent)
        {
            messages.Add("Agent forwarding is disabled to avoid man-in-the-middle attacks.");
            ForwardAgent = false;
            ForwardAgentSocket = null;
        }
        if (ForwardX11)
        {
            messages.Add("X11 forwarding is disabled to avoid man-in-the-middle attacks.");
            ForwardX11 = false;
        }
        if (LocalForwards.Count > 0 || RemoteForwards.Count > 0 || DynamicForwards.Count > 0)
        {
            messages.Add("Port forwarding is disabled to avoid man-in-the-middle attacks.");
            LocalForwards = [];
            RemoteForwards = [];
            DynamicForwards = [];
        }
        cancelledForwarding = messages.Count > 0;
        if (UpdateHostKeys != UpdateHostKeys.No)
        {
            messages.Add("UpdateHostkeys is disabled because the host key is not trusted.");
            UpdateHostKeys = UpdateHostKeys.No;
        }
        return messages;
    }
}
