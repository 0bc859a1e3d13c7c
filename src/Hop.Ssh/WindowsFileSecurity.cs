using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Principal;

namespace Hop.Ssh;

/// <summary>
/// Windows' side of the checks OpenSSH makes with a file's mode on Unix: a file there has an owner and
/// an access list. A new private key is created with the list Windows OpenSSH accepts: owned by this
/// user, nothing inherited from the folder, full control for this user, SYSTEM and Administrators (the
/// 0600 of Windows). A file is unsafe, as Windows OpenSSH judges it, when its owner is anyone else, or
/// when an entry allows anyone else access: any access to a private key, more than reading to a
/// configuration file. Deny entries take nothing away from anyone else, so they are not looked at.
/// </summary>
[SupportedOSPlatform("windows")]
internal static class WindowsFileSecurity
{
    private static readonly SecurityIdentifier LocalSystem = new(WellKnownSidType.LocalSystemSid, null);
    private static readonly SecurityIdentifier Administrators = new(WellKnownSidType.BuiltinAdministratorsSid, null);

    /// <summary>What another account may hold on a configuration file: reading it, as a 0644 file allows.</summary>
    private const FileSystemRights ReadOnly = FileSystemRights.ReadAndExecute | FileSystemRights.Synchronize;

    private static SecurityIdentifier CurrentUser()
    {
        using var me = WindowsIdentity.GetCurrent();
        return me.User ?? throw new InvalidOperationException("this process has no user SID");
    }

    /// <summary>The security of a new private key file: this user's, closed to everyone else.</summary>
    public static FileSecurity PrivateFile()
    {
        var user = CurrentUser();
        var security = new FileSecurity();
        security.SetOwner(user);
        security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
        foreach (var sid in new[] { user, LocalSystem, Administrators })
            security.AddAccessRule(new FileSystemAccessRule(sid, FileSystemRights.FullControl, AccessControlType.Allow));
        return security;
    }

    /// <summary>Creates <paramref name="path"/> (it must not exist yet) with <see cref="PrivateFile"/>'s security, open for writing.</summary>
    public static FileStream CreatePrivate(string path) =>
        new FileInfo(path).Create(FileMode.CreateNew, FileSystemRights.Write | FileSystemRights.Synchronize,
            FileShare.None, 4096, FileOptions.None, PrivateFile());

    /// <summary>
    /// Null when <paramref name="path"/> is this user's alone (reading aside, with <paramref name="othersMayRead"/>);
    /// else who else owns it or may open it, named as Windows names them ("BUILTIN\Users (S-1-5-32-545)").
    /// </summary>
    public static string? WhoElse(string path, bool othersMayRead)
    {
        var user = CurrentUser();
        var security = new FileInfo(path).GetAccessControl(AccessControlSections.Owner | AccessControlSections.Access);
        var owner = security.GetOwner(typeof(SecurityIdentifier)) as SecurityIdentifier;
        if (owner is null || !(owner == user || owner == LocalSystem || owner == Administrators))
            return $"it is owned by {Name(owner)}";
        foreach (FileSystemAccessRule rule in security.GetAccessRules(includeExplicit: true, includeInherited: true, typeof(SecurityIdentifier)))
        {
            if (rule.AccessControlType != AccessControlType.Allow) continue;
            var sid = rule.IdentityReference as SecurityIdentifier;
            if (sid is not null && (sid == owner || sid == user || sid == LocalSystem || sid == Administrators)) continue;
            var rights = rule.FileSystemRights;
            if (rights == 0 || (othersMayRead && (rights & ~ReadOnly) == 0)) continue;
            return $"{Name(sid)} may {(othersMayRead ? "change" : "open")} it";
        }
        return null;
    }

    private static string Name(SecurityIdentifier? sid)
    {
        if (sid is null) return "an unknown account";
        try
        {
            return $"{sid.Translate(typeof(NTAccount)).Value} ({sid.Value})";
        }
        catch (Exception e) when (e is IdentityNotMappedException or SystemException)
        {
            return sid.Value;
        }
    }
}
