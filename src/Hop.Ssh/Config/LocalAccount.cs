using System.Runtime.InteropServices;

namespace Hop.Ssh.Config;

/// <summary>The local uid and file owners, for OpenSSH's "Bad owner or permissions" checks.</summary>
internal static partial class LocalAccount
{
    [LibraryImport("libc", EntryPoint = "getuid")]
    private static partial uint GetUid();

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int StatArm64(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "stat$INODE64", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int StatX64(string path, byte* buffer);

    /// <summary>The real uid (0 on Windows).</summary>
    public static uint UserId() => OperatingSystem.IsWindows() ? 0 : GetUid();

    /// <summary>The owner uid of a file; null when it cannot be told (Windows, or stat failed).</summary>
    public static unsafe uint? Owner(string path)
    {
        byte* buffer = stackalloc byte[512];
        if (OperatingSystem.IsLinux())
        {
            // statx's layout is the same on every Linux architecture: stx_uid at offset 20.
            const int AtFdCwd = -100;
            const uint StatxUid = 0x8;
            if (Statx(AtFdCwd, path, 0, StatxUid, buffer) != 0) return null;
            return *(uint*)(buffer + 20);
        }
        if (OperatingSystem.IsMacOS())
        {
            // struct stat (64-bit inode): st_uid at offset 16.
            int rc = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? StatArm64(path, buffer) : StatX64(path, buffer);
            if (rc != 0) return null;
            return *(uint*)(buffer + 16);
        }
        return null;
    }

    /// <summary>
    /// True when the path names something that is not a regular file or folder (a device such as /dev/null, a fifo, a
    /// socket): such a file is written in place, never replaced by a rename.
    /// </summary>
    public static unsafe bool IsSpecialFile(string path)
    {
        const int TypeMask = 0xF000, Regular = 0x8000, Folder = 0x4000;
        byte* buffer = stackalloc byte[512];
        int mode;
        if (OperatingSystem.IsLinux())
        {
            // statx: stx_mode (u16) at offset 28 on every Linux architecture.
            const int AtFdCwd = -100;
            const uint StatxType = 0x1;
            if (Statx(AtFdCwd, path, 0, StatxType, buffer) != 0) return false;
            mode = *(ushort*)(buffer + 28);
        }
        else if (OperatingSystem.IsMacOS())
        {
            // struct stat (64-bit inode): st_mode (u16) at offset 4.
            int rc = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? StatArm64(path, buffer) : StatX64(path, buffer);
            if (rc != 0) return false;
            mode = *(ushort*)(buffer + 4);
        }
        else
        {
            return false;
        }
        return (mode & TypeMask) is not Regular and not Folder;
    }
}
