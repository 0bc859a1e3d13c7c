using Hop.Ssh.Config;

namespace Hop.Ssh.Tests.Config;

/// <summary>ResolvedConfig.DisableForChangedHostKey: what StrictHostKeyChecking=no turns off over a changed key.</summary>
public class ChangedHostKeyConfigTests : ConfigTestBase
{
    [Fact]
    public void EverythingAManInTheMiddleCouldUseIsTurnedOff()
    {
        var c = Resolve("h", "ForwardAgent yes\nForwardX11 yes\nLocalForward 8080 localhost:80\nDynamicForward 1080\nUpdateHostKeys yes\n");
        var messages = c.DisableForChangedHostKey(out bool cancelled);
        Assert.True(cancelled);
        Assert.Equal(
        [
            "Password authentication is disabled to avoid man-in-the-middle attacks.",
            "Keyboard-interactive authentication is disabled to avoid man-in-the-middle attacks.",
            "Agent forwarding is disabled to avoid man-in-the-middle attacks.",
            "X11 forwarding is disabled to avoid man-in-the-middle attacks.",
            "Port forwarding is disabled to avoid man-in-the-middle attacks.",
            "UpdateHostkeys is disabled because the host key is not trusted.",
        ], messages);
        Assert.False(c.PasswordAuthentication || c.KbdInteractiveAuthentication || c.ForwardAgent || c.ForwardX11);
        Assert.Empty(c.LocalForwards);
        Assert.Empty(c.DynamicForwards);
        Assert.Equal(UpdateHostKeys.No, c.UpdateHostKeys);
    }

    [Fact]
    public void OnlyWhatWasOnIsReported()
    {
        var c = Resolve("h", "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUpdateHostKeys no\n");
        Assert.Empty(c.DisableForChangedHostKey(out bool cancelled));
        Assert.False(cancelled);
        var onlyUpdates = Resolve("h", "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUpdateHostKeys yes\n");
        Assert.Single(onlyUpdates.DisableForChangedHostKey(out bool cancelledForUpdates));
        Assert.False(cancelledForUpdates);
    }
}
