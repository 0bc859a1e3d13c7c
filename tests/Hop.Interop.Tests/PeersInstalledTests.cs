namespace Hop.Interop.Tests;

/// <summary>A missing peer fails the run: nothing skips silently.</summary>
public class PeersInstalledTests
{
    [Theory]
    [InlineData("/usr/sbin/sshd")]
    [InlineData("/usr/bin/ssh")]
    [InlineData("/usr/bin/ssh-keygen")]
    [InlineData("/usr/bin/ssh-agent")]
    [InlineData("/usr/bin/ssh-add")]
    [InlineData("/usr/sbin/dropbear")]
    [InlineData("/usr/bin/puttygen")]
    [InlineData("/usr/bin/Xvfb")]
    [InlineData("/usr/bin/xauth")]
    [InlineData("/usr/bin/strace")]
    [InlineData("/usr/bin/parallel-ssh")]
    [InlineData("/usr/bin/wine")]
    [InlineData("/usr/bin/wineserver")]
    public void PeerIsInstalled(string path) => Assert.True(File.Exists(path), $"{path} is missing: ./test.sh installs it with apt-get");
}
