using System.Runtime.InteropServices;
using System.Text;

namespace Hop.Ssh.Keys.Pkcs11;

/// <summary>
/// A PKCS#11 provider library (a smartcard's, a YubiKey's, an HSM's, SoftHSM's) loaded as OpenSSH's
/// ssh-pkcs11.c loads it: the library must export C_GetFunctionList; it is initialised, every slot
/// with an initialised token gets a session, and the token's public key objects (RSA and NIST ECDSA)
/// become <see cref="Pkcs11Key"/>s, which sign on the token. Login is put off until a key first
/// signs. Calls into the library are serialised. Dispose closes the sessions, finalises and unloads.
/// </summary>
public sealed unsafe partial class Pkcs11Provider : IDisposable
{
    /// <summary>At most this many slots are looked at, and this many objects read per slot.</summary>
    internal const int MaxSlots = 256, MaxObjects = 1024;

    private readonly nint _handle;
    private readonly CkFunctions _f;
    private readonly List<Pkcs11Slot> _slots = [];
    private readonly List<Pkcs11Key> _keys = [];
    private readonly Action<int, string>? _log;
    private bool _disposed;

    /// <summary>Serialises calls into the library (C_Initialize(NULL) promises one caller at a time).</summary>
    internal SemaphoreSlim Gate { get; } = new(1, 1);

    private Pkcs11Provider(string path, nint handle, CkFunctions f, bool interactive, Action<int, string>? log)
    {
        Path = path;
        _handle = handle;
        _f = f;
        Interactive = interactive;
        _log = log;
    }

    /// <summary>The provider as named by the user (PKCS11Provider, -I, -D).</summary>
    public string Path { get; }

    /// <summary>Whether a PIN may be asked (ssh: not under BatchMode).</summary>
    public bool Interactive { get; }

    /// <summary>The tokens' keys, in the order the provider listed them, each key once.</summary>
    public IReadOnlyList<Pkcs11Key> Keys => _keys;

    internal CkFunctions Functions => _f;

    internal void Log(int level, string message) => _log?.Invoke(level, message);

    /// <summary>
    /// Loads <paramref name="path"/> and reads its tokens' public keys. Throws <see cref="Pkcs11Exception"/>
    /// with ssh's message when the file is missing or not a PKCS#11 library, or the library fails to
    /// initialise. <paramref name="log"/> gets ssh's lines: level 0 errors, 1 and up debug.
    /// </summary>
    public static Pkcs11Provider Open(string path, bool interactive, Action<int, string>? log) => Open(path, interactive, null, log);

    /// <summary>
    /// As <see cref="Open(string, bool, Action{int, string}?)"/> for an agent given the PIN up front
    /// (ssh-add -s): each token that needs a login is logged in to with <paramref name="pin"/> as its
    /// session opens, as ssh-pkcs11.c does for ssh-agent; a token whose login fails is skipped with
    /// ssh's "C_Login failed" line, an empty PIN skips those tokens ("pin required"). No PIN is
    /// asked later. The caller zeroes <paramref name="pin"/>.
    /// </summary>
    public static Pkcs11Provider OpenWithPin(string path, ReadOnlySpan<byte> pin, Action<int, string>? log)
    {
        byte[] copy = pin.ToArray();
        try
        {
            return Open(path, interactive: false, copy, log);
        }
        finally
        {
            Clear(copy);
        }
    }

    private static Pkcs11Provider Open(string path, bool interactive, byte[]? pin, Action<int, string>? log)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (OperatingSystem.IsWindows() || IntPtr.Size != 8)
            throw new Pkcs11Exception($"provider {path}: PKCS#11 is supported on 64-bit Unix systems only");
        CheckExportsFunctionList(path, log);
        if (!NativeLibrary.TryLoad(System.IO.Path.GetFullPath(path), out nint handle))
            throw new Pkcs11Exception($"dlopen {path} failed: {LoadError(path)}");
        Pkcs11Provider? p = null;
        bool initialized = false;
        try
        {
            if (!NativeLibrary.TryGetExport(handle, "C_GetFunctionList", out nint export))
                throw new Pkcs11Exception($"provider {path} is not a PKCS11 library");
            var getFunctionList = (delegate* unmanaged<void**, nuint>)export;
            void* list = null;
            nuint rv = getFunctionList(&list);
            if (rv != Ck.Ok || list == null) throw new Pkcs11Exception($"C_GetFunctionList for provider {path} failed: {rv}");
            var f = new CkFunctions(list);
            p = new Pkcs11Provider(path, handle, f, interactive, log);
            if ((rv = f.Initialize(null)) != Ck.Ok) throw new Pkcs11Exception($"C_Initialize for provider {path} failed: {rv}");
            initialized = true;
            CkInfo info;
            if ((rv = f.GetInfo(&info)) != Ck.Ok) throw new Pkcs11Exception($"C_GetInfo for provider {path} failed: {rv}");
            log?.Invoke(1, $"provider {path}: manufacturerID <{Text(info.ManufacturerId, 32)}> cryptokiVersion {info.CryptokiVersion.Major}.{info.CryptokiVersion.Minor}" +
                $" libraryDescription <{Text(info.LibraryDescription, 32)}> libraryVersion {info.LibraryVersion.Major}.{info.LibraryVersion.Minor}");
            p.OpenSlots(pin);
            return p;
        }
        catch
        {
            if (p is not null)
            {
                p.CloseSessions();
                if (initialized) p._f.Finalize(null);
            }
            NativeLibrary.Free(handle);
            throw;
        }
    }

    /// <summary>
    /// As ssh, which looks for the symbol's name in the file before it loads it: a missing file, or one
    /// without the name, is "not a PKCS11 library" and no code of it runs.
    /// </summary>
    private static void CheckExportsFunctionList(string path, Action<int, string>? log)
    {
        bool found;
        try
        {
            found = FileContains(path, "C_GetFunctionList"u8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string reason = e is FileNotFoundException or DirectoryNotFoundException ? "No such file or directory"
                : e is UnauthorizedAccessException ? "Permission denied" : e.Message;
            log?.Invoke(0, $"lib_contains_symbol: open {path}: {reason}");
            throw new Pkcs11Exception($"provider {path} is not a PKCS11 library", e);
        }
        if (!found)
        {
            log?.Invoke(0, $"lib_contains_symbol: {path} does not contain expected string C_GetFunctionList");
            throw new Pkcs11Exception($"provider {path} is not a PKCS11 library");
        }
    }

    /// <summary>Whether the file holds <paramref name="needle"/>, read in blocks (at most 1 GiB).</summary>
    private static bool FileContains(string path, ReadOnlySpan<byte> needle)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = new byte[64 * 1024 + needle.Length];
        int kept = 0;
        long total = 0;
        while (total < 1L << 30)
        {
            int n = file.Read(buffer, kept, buffer.Length - kept);
            if (n == 0) return false;
            total += n;
            int end = kept + n;
            if (buffer.AsSpan(0, end).IndexOf(needle) >= 0) return true;
            kept = Math.Min(needle.Length - 1, end);
            buffer.AsSpan(end - kept, kept).CopyTo(buffer);
        }
        return false;
    }

    /// <summary>The dynamic loader's reason, as dlerror() gives it to ssh.</summary>
    private static string LoadError(string path)
    {
        try
        {
            NativeLibrary.Load(System.IO.Path.GetFullPath(path));
            return "unknown error";
        }
        catch (DllNotFoundException e)
        {
            return e.Message;
        }
        catch (BadImageFormatException e)
        {
            return e.Message;
        }
    }

    /// <summary>A space-padded CK_UTF8CHAR field without its trailing spaces (ssh's rmspace).</summary>
    internal static string Text(byte* field, int length)
    {
        var span = new ReadOnlySpan<byte>(field, length);
        int end = span.IndexOf((byte)0);
        if (end >= 0) span = span[..end];
        return Encoding.UTF8.GetString(span.TrimEnd((byte)' '));
    }

    /// <summary>Lists the slots with a token, opens a session on each initialised one and reads its keys.</summary>
    private void OpenSlots(byte[]? pin)
    {
        nuint count = 0;
        nuint rv = _f.GetSlotList(1, null, &count);
        if (rv != Ck.Ok) throw new Pkcs11Exception($"C_GetSlotList failed: {rv}");
        if (count == 0)
        {
            Log(1, $"pkcs11_register_provider: provider {Path} returned no slots");
            return;
        }
        if (count > MaxSlots) count = MaxSlots;
        var ids = new nuint[(int)count];
        fixed (nuint* pIds = ids)
        {
            rv = _f.GetSlotList(1, pIds, &count);
        }
        if (rv != Ck.Ok) throw new Pkcs11Exception($"C_GetSlotList for provider {Path} failed: {rv}");
        for (int i = 0; i < (int)Math.Min(count, (nuint)ids.Length); i++)
        {
            CkTokenInfo token;
            rv = _f.GetTokenInfo(ids[i], &token);
            if (rv != Ck.Ok)
            {
                Log(0, $"C_GetTokenInfo for provider {Path} slot {i} failed: {rv}");
                continue;
            }
            if ((token.Flags & Ck.TokenInitialized) == 0)
            {
                Log(2, $"pkcs11_register_provider: ignoring uninitialised token in provider {Path} slot {i}");
                continue;
            }
            var slot = new Pkcs11Slot(i, ids[i], Text(token.Label, 32), token.Flags);
            Log(1, $"provider {Path} slot {i}: label <{slot.Label}> manufacturerID <{Text(token.ManufacturerId, 32)}> " +
                $"model <{Text(token.Model, 16)}> serial <{Text(token.SerialNumber, 16)}> flags 0x{(ulong)token.Flags:x}");
            bool keypad = (token.Flags & Ck.ProtectedAuthenticationPath) != 0;
            if (slot.LoginRequired && !Interactive && (pin is null || pin.Length == 0 && !keypad))
            {
                Log(0, "pin required");
                continue;
            }
            nuint session;
            rv = _f.OpenSession(slot.Id, Ck.RwSession | Ck.SerialSession, null, null, &session);
            if (rv != Ck.Ok)
            {
                Log(0, $"C_OpenSession failed: {rv}");
                continue;
            }
            if (slot.LoginRequired && pin is { Length: > 0 })
            {
                fixed (byte* p = pin)
                {
                    rv = _f.Login(session, Ck.User, p, (nuint)pin.Length);
                }
                if (rv != Ck.Ok && rv != Ck.UserAlreadyLoggedIn)
                {
                    Log(0, $"C_Login failed: {rv}");
                    if ((rv = _f.CloseSession(session)) != Ck.Ok) Log(0, $"C_CloseSession failed: {rv}");
                    continue;
                }
                slot.LoggedIn = true;
            }
            slot.Session = session;
            _slots.Add(slot);
            FetchKeys(slot);
        }
    }

    private void CloseSessions()
    {
        foreach (var slot in _slots)
        {
            nuint rv = _f.CloseSession(slot.Session);
            if (rv != Ck.Ok) Log(0, $"C_CloseSession failed: {rv}");
        }
        _slots.Clear();
    }

    public void Dispose()
    {
        Gate.Wait();
        try
        {
            if (_disposed) return;
            _disposed = true;
            CloseSessions();
            nuint rv = _f.Finalize(null);
            if (rv != Ck.Ok) Log(0, $"C_Finalize failed: {rv}");
            NativeLibrary.Free(_handle);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Throws once the provider is disposed (its functions are gone with the library).</summary>
    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}

/// <summary>A slot whose token has a session open: its label (for the PIN prompt) and login state.</summary>
internal sealed class Pkcs11Slot(int index, nuint id, string label, nuint flags)
{
    public int Index { get; } = index;
    public nuint Id { get; } = id;
    public string Label { get; } = label;
    public nuint Flags { get; } = flags;
    public nuint Session { get; set; }
    public bool LoggedIn { get; set; }
    public bool LoginRequired => (Flags & Ck.LoginRequired) != 0;
}
