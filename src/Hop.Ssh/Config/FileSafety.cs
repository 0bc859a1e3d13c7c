namespace Hop.Ssh.Config;

/// <summary>
/// OpenSSH's check on configuration files: owned by the user or root, not writable by group or others;
/// on Windows, Windows OpenSSH's: owned by the user, SYSTEM or Administrators, and no one else may change it.
/// </summary>
internal static class FileSafety
{
    /// <exception cref="SshConfigException">"Bad owner or permissions on FILE".</exception>
    public static void CheckConfigFile(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            if (WindowsFileSecurity.WhoElse(path, othersMayRead: true) is not null) throw new SshConfigException($"Bad owner or permissions on {path}");
            return;
        }
        UnixFileMode mode = File.GetUnixFileMode(path);
        bool writableByOthers = (mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0;
        uint? owner = LocalAccount.Owner(path);
        bool badOwner = owner is uint uid && uid != 0 && uid != LocalAccount.UserId();
        if (writableByOthers || badOwner) throw new SshConfigException($"Bad owner or permissions on {path}");
    }
}
