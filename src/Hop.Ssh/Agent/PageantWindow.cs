using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Security.Principal;
using static Hop.Ssh.Agent.PageantNative;

namespace Hop.Ssh.Agent;

/// <summary>
/// The Pageant role on Windows: a hidden window named as PuTTY's Pageant's, so that PuTTY, Plink,
/// PSFTP, WinSCP and the other Pageant clients reach this agent (see <see cref="PageantCopyData"/>).
/// Each WM_COPYDATA is one request answered on the window's thread. Only sections owned by this
/// user (or by the default owner of this user's objects, as for an elevated prompt) are read: the
/// counterpart of the Unix socket's peer check, as PuTTY's Pageant checks them.
/// </summary>
[SupportedOSPlatform("windows")]
public sealed unsafe class PageantWindow : IDisposable
{
    private static PageantWindow? s_current;
    private readonly AgentServer _server;
    private readonly SecurityIdentifier? _user;
    private readonly SecurityIdentifier? _defaultOwner;
    private readonly Thread _thread;
    private readonly TaskCompletionSource<string?> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private nint _window;
    private int _nextRequest;

    private PageantWindow(AgentServer server)
    {
        _server = server;
        using var me = WindowsIdentity.GetCurrent();
        _user = me.User;
        _defaultOwner = me.Owner;
        _thread = new Thread(Run) { IsBackground = true, Name = "Pageant window" };
    }

    /// <summary>
    /// Opens the window and serves <paramref name="server"/>'s keys through it; null, with the reason
    /// in <paramref name="error"/>, when another Pageant (PuTTY's, or a second agent) has the name already.
    /// </summary>
    public static PageantWindow? Start(AgentServer server, out string? error)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (FindWindow(PageantCopyData.WindowName, PageantCopyData.WindowName) != 0)
        {
            error = "a Pageant is running already";
            return null;
        }
        var window = new PageantWindow(server);
        if (Interlocked.CompareExchange(ref s_current, window, null) is not null)
        {
            error = "this process serves a Pageant window already";
            return null;
        }
        window._thread.Start();
        error = window._started.Task.GetAwaiter().GetResult();
        if (error is null) return window;
        Interlocked.CompareExchange(ref s_current, null, window);
        return null;
    }

    private void Run()
    {
        nint instance = GetModuleHandle(0);
        fixed (char* className = PageantCopyData.WindowName)
        {
            var windowClass = new WindowClassEx
            {
                Size = (uint)sizeof(WindowClassEx),
                WindowProcedure = &WindowProcedure,
                Instance = instance,
                ClassName = className,
            };
            if (RegisterClassEx(&windowClass) == 0 && Marshal.GetLastPInvokeError() != ErrorClassAlreadyExists)
            {
                _started.SetResult($"cannot register the Pageant window class: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
                return;
            }
        }
        // A top-level window that is never shown: FindWindow does not see message-only windows.
        _window = CreateWindowEx(0, PageantCopyData.WindowName, PageantCopyData.WindowName, 0, 0, 0, 0, 0, 0, 0, instance, 0);
        if (_window == 0)
        {
            _started.SetResult($"cannot create the Pageant window: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            return;
        }
        _started.SetResult(null);
        Message message;
        while (GetMessage(&message, 0, 0, 0) > 0)
        {
            TranslateMessage(&message);
            DispatchMessage(&message);
        }
    }

    [UnmanagedCallersOnly]
    private static nint WindowProcedure(nint window, uint message, nint wParam, nint lParam)
    {
        switch (message)
        {
            case WmCopyData:
                return s_current?.Answer((CopyDataStruct*)lParam) == true ? 1 : 0;
            case WmDestroy:
                PostQuitMessage(0);
                return 0;
            default:
                return DefWindowProc(window, message, wParam, lParam);
        }
    }

    /// <summary>One client's request: never throws, as it runs under the window procedure.</summary>
    private bool Answer(CopyDataStruct* data)
    {
        try
        {
            if (data is null || data->Data != PageantCopyData.CopyDataId || data->Pointer is null) return false;
            string? name = PageantCopyData.ReadSectionName(new ReadOnlySpan<byte>(data->Pointer, (int)Math.Min(data->Length, 1024u)));
            if (name is null) return false;
            nint section = OpenFileMapping(FileMapAllAccess, false, name);
            if (section == 0) return false;
            try
            {
                if (!OwnedByThisUser(section))
                {
                    _server.Log?.Invoke($"debug1: Pageant request in {name}, a section of another user's, refused");
                    return false;
                }
                void* view = MapViewOfFile(section, FileMapWrite, 0, 0, 0);
                if (view is null) return false;
                try
                {
                    MemoryBasicInformation region;
                    if (VirtualQuery(view, &region, (nuint)sizeof(MemoryBasicInformation)) == 0) return false;
                    int length = (int)Math.Min(region.RegionSize, (nuint)(PageantCopyData.SectionLength + 4));
                    var session = new AgentSession(Interlocked.Increment(ref _nextRequest));
                    return PageantCopyData.Answer(new Span<byte>(view, length),
                        request => _server.HandleAsync(session, request, CancellationToken.None).GetAwaiter().GetResult());
                }
                finally
                {
                    UnmapViewOfFile(view);
                }
            }
            finally
            {
                CloseHandle(section);
            }
        }
        catch (Exception e)
        {
            _server.Log?.Invoke($"debug1: Pageant request failed: {e.Message}");
            return false;
        }
    }

    private bool OwnedByThisUser(nint section)
    {
        nint owner, descriptor;
        if (GetSecurityInfo(section, SeKernelObject, OwnerSecurityInformation, &owner, null, null, null, &descriptor) != 0) return false;
        try
        {
            var sid = new SecurityIdentifier(owner);
            return sid == _user || sid == _defaultOwner;
        }
        finally
        {
            LocalFree(descriptor);
        }
    }

    /// <summary>Closes the window; its thread ends with its message loop.</summary>
    public void Dispose()
    {
        if (_window != 0) PostMessage(_window, WmClose, 0, 0);
        _thread.Join(TimeSpan.FromSeconds(5));
        Interlocked.CompareExchange(ref s_current, null, this);
    }
}
