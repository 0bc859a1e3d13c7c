using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Hop.Ssh.Agent;

/// <summary>The Win32 calls of the Pageant transport (user32, kernel32, advapi32), 64-bit layouts.</summary>
[SupportedOSPlatform("windows")]
internal static unsafe partial class PageantNative
{
    public const uint WmClose = 0x0010;
    public const uint WmDestroy = 0x0002;
    public const uint WmCopyData = 0x004A;
    public const uint FileMapWrite = 0x0002;
    public const uint FileMapAllAccess = 0xF001F;
    public const uint PageReadWrite = 0x04;
    public const uint SmtoAbortIfHung = 0x0002;
    public const int ErrorClassAlreadyExists = 1410;
    public const int SeKernelObject = 6;
    public const uint OwnerSecurityInformation = 1;

    [StructLayout(LayoutKind.Sequential)]
    public struct CopyDataStruct
    {
        public nuint Data;
        public uint Length;
        public void* Pointer;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct WindowClassEx
    {
        public uint Size;
        public uint Style;
        public delegate* unmanaged<nint, uint, nint, nint, nint> WindowProcedure;
        public int ClassExtra;
        public int WindowExtra;
        public nint Instance;
        public nint Icon;
        public nint Cursor;
        public nint Background;
        public char* MenuName;
        public char* ClassName;
        public nint SmallIcon;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Message
    {
        public nint Window;
        public uint Id;
        public nint WParam;
        public nint LParam;
        public uint Time;
        public int X;
        public int Y;
        public uint Private;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MemoryBasicInformation
    {
        public nint BaseAddress;
        public nint AllocationBase;
        public uint AllocationProtect;
        public ushort PartitionId;
        public nuint RegionSize;
        public uint State;
        public uint Protect;
        public uint Type;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct SecurityAttributes
    {
        public int Length;
        public void* SecurityDescriptor;
        public int InheritHandle;
    }

    [LibraryImport("user32.dll", EntryPoint = "FindWindowW", StringMarshalling = StringMarshalling.Utf16)]
    public static partial nint FindWindow(string className, string windowName);

    [LibraryImport("user32.dll", EntryPoint = "RegisterClassExW", SetLastError = true)]
    public static partial ushort RegisterClassEx(WindowClassEx* windowClass);

    [LibraryImport("user32.dll", EntryPoint = "CreateWindowExW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    public static partial nint CreateWindowEx(uint exStyle, string className, string windowName, uint style, int x, int y, int width, int height,
        nint parent, nint menu, nint instance, nint param);

    [LibraryImport("user32.dll", EntryPoint = "DefWindowProcW")]
    public static partial nint DefWindowProc(nint window, uint message, nint wParam, nint lParam);

    [LibraryImport("user32.dll", EntryPoint = "GetMessageW")]
    public static partial int GetMessage(Message* message, nint window, uint filterMin, uint filterMax);

    [LibraryImport("user32.dll", EntryPoint = "TranslateMessage")]
    public static partial int TranslateMessage(Message* message);

    [LibraryImport("user32.dll", EntryPoint = "DispatchMessageW")]
    public static partial nint DispatchMessage(Message* message);

    [LibraryImport("user32.dll", EntryPoint = "PostMessageW")]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool PostMessage(nint window, uint message, nint wParam, nint lParam);

    [LibraryImport("user32.dll", EntryPoint = "PostQuitMessage")]
    public static partial void PostQuitMessage(int exitCode);

    [LibraryImport("user32.dll", EntryPoint = "SendMessageTimeoutW", SetLastError = true)]
    public static partial nint SendMessageTimeout(nint window, uint message, nint wParam, nint lParam, uint flags, uint timeoutMilliseconds, nint* result);

    [LibraryImport("kernel32.dll", EntryPoint = "GetModuleHandleW")]
    public static partial nint GetModuleHandle(nint moduleName);

    [LibraryImport("kernel32.dll", EntryPoint = "GetCurrentThreadId")]
    public static partial uint GetCurrentThreadId();

    [LibraryImport("kernel32.dll", EntryPoint = "CreateFileMappingW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    public static partial nint CreateFileMapping(nint file, SecurityAttributes* attributes, uint protect, uint sizeHigh, uint sizeLow, string name);

    [LibraryImport("kernel32.dll", EntryPoint = "OpenFileMappingW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    public static partial nint OpenFileMapping(uint access, [MarshalAs(UnmanagedType.Bool)] bool inherit, string name);

    [LibraryImport("kernel32.dll", EntryPoint = "MapViewOfFile", SetLastError = true)]
    public static partial void* MapViewOfFile(nint mapping, uint access, uint offsetHigh, uint offsetLow, nuint length);

    [LibraryImport("kernel32.dll", EntryPoint = "UnmapViewOfFile")]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool UnmapViewOfFile(void* view);

    [LibraryImport("kernel32.dll", EntryPoint = "VirtualQuery")]
    public static partial nuint VirtualQuery(void* address, MemoryBasicInformation* information, nuint length);

    [LibraryImport("kernel32.dll", EntryPoint = "CloseHandle")]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool CloseHandle(nint handle);

    [LibraryImport("kernel32.dll", EntryPoint = "LocalFree")]
    public static partial nint LocalFree(nint memory);

    [LibraryImport("kernel32.dll", EntryPoint = "FindFirstFileW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    public static partial nint FindFirstFile(string name, byte* findData);

    [LibraryImport("kernel32.dll", EntryPoint = "FindClose")]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool FindClose(nint find);

    [LibraryImport("advapi32.dll", EntryPoint = "GetSecurityInfo")]
    public static partial uint GetSecurityInfo(nint handle, int objectType, uint information, nint* owner, nint* group, nint* dacl, nint* sacl, nint* descriptor);

    /// <summary>Whether a named pipe exists, without connecting to it (FindFirstFile, as PuTTY checks for its own).</summary>
    public static bool PipeExists(string path)
    {
        byte* findData = stackalloc byte[600]; // WIN32_FIND_DATAW is 592 bytes
        nint find = FindFirstFile(path, findData);
        if (find == -1) return false;
        FindClose(find);
        return true;
    }
}
