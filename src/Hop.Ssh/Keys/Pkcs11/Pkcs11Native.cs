using System.Runtime.InteropServices;

namespace Hop.Ssh.Keys.Pkcs11;

/// <summary>
/// The few PKCS#11 v2.40 constants ssh's token support uses (pkcs11t.h). CK_ULONG is C's
/// <c>unsigned long</c>: 64 bits on the LP64 Unix systems this binding runs on (see <see cref="Pkcs11Library"/>).
/// </summary>
internal static class Ck
{
    // Return values (CKR_*).
    public const nuint Ok = 0;
    public const nuint AttributeSensitive = 0x11;
    public const nuint AttributeTypeInvalid = 0x12;
    public const nuint PinIncorrect = 0xa0;
    public const nuint PinLenRange = 0xa2;
    public const nuint PinLocked = 0xa4;
    public const nuint UserAlreadyLoggedIn = 0x100;
    public const nuint BufferTooSmall = 0x150;

    // Token and session flags (CKF_*).
    public const nuint LoginRequired = 0x4;
    public const nuint ProtectedAuthenticationPath = 0x100;
    public const nuint TokenInitialized = 0x400;
    public const nuint RwSession = 0x2;
    public const nuint SerialSession = 0x4;

    // User types (CKU_*).
    public const nuint User = 1;
    public const nuint ContextSpecific = 2;

    // Object classes (CKO_*), key types (CKK_*), mechanisms (CKM_*).
    public const nuint PublicKeyClass = 2;
    public const nuint PrivateKeyClass = 3;
    public const nuint KeyRsa = 0;
    public const nuint KeyEc = 3;
    public const nuint RsaPkcs = 1;
    public const nuint Ecdsa = 0x1041;

    // Attributes (CKA_*).
    public const nuint Class = 0x0;
    public const nuint Label = 0x3;
    public const nuint KeyType = 0x100;
    public const nuint Id = 0x102;
    public const nuint Sign = 0x108;
    public const nuint Modulus = 0x120;
    public const nuint PublicExponent = 0x122;
    public const nuint EcParams = 0x180;
    public const nuint EcPoint = 0x181;
    public const nuint AlwaysAuthenticate = 0x202;

    /// <summary>CK_UNAVAILABLE_INFORMATION: an attribute's length when it cannot be read.</summary>
    public static readonly nuint Unavailable = nuint.MaxValue;
}

/// <summary>CK_VERSION.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CkVersion
{
    public byte Major;
    public byte Minor;
}

/// <summary>CK_INFO (natural alignment, as on Unix).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CkInfo
{
    public CkVersion CryptokiVersion;
    public fixed byte ManufacturerId[32];
    public nuint Flags;
    public fixed byte LibraryDescription[32];
    public CkVersion LibraryVersion;
}

/// <summary>CK_TOKEN_INFO (natural alignment, as on Unix).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CkTokenInfo
{
    public fixed byte Label[32];
    public fixed byte ManufacturerId[32];
    public fixed byte Model[16];
    public fixed byte SerialNumber[16];
    public nuint Flags;
    public nuint MaxSessionCount, SessionCount, MaxRwSessionCount, RwSessionCount, MaxPinLen, MinPinLen;
    public nuint TotalPublicMemory, FreePublicMemory, TotalPrivateMemory, FreePrivateMemory;
    public CkVersion HardwareVersion;
    public CkVersion FirmwareVersion;
    public fixed byte UtcTime[16];
}

/// <summary>CK_ATTRIBUTE: a type and a caller-owned value buffer.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CkAttribute
{
    public nuint Type;
    public void* Value;
    public nuint ValueLength;
}

/// <summary>CK_MECHANISM without parameters (CKM_RSA_PKCS, CKM_ECDSA take none).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CkMechanism
{
    public nuint Mechanism;
    public void* Parameter;
    public nuint ParameterLength;
}

/// <summary>
/// The entry points of a CK_FUNCTION_LIST that ssh uses, read once from the table C_GetFunctionList
/// returns: a CK_VERSION (padded to a pointer) followed by the functions in the standard's order.
/// </summary>
internal unsafe sealed class CkFunctions
{
    public readonly delegate* unmanaged<void*, nuint> Initialize;
    public readonly delegate* unmanaged<void*, nuint> Finalize;
    public readonly delegate* unmanaged<CkInfo*, nuint> GetInfo;
    public readonly delegate* unmanaged<byte, nuint*, nuint*, nuint> GetSlotList;
    public readonly delegate* unmanaged<nuint, CkTokenInfo*, nuint> GetTokenInfo;
    public readonly delegate* unmanaged<nuint, nuint, void*, void*, nuint*, nuint> OpenSession;
    public readonly delegate* unmanaged<nuint, nuint> CloseSession;
    public readonly delegate* unmanaged<nuint, nuint, byte*, nuint, nuint> Login;
    public readonly delegate* unmanaged<nuint, nuint, CkAttribute*, nuint, nuint> GetAttributeValue;
    public readonly delegate* unmanaged<nuint, CkAttribute*, nuint, nuint> FindObjectsInit;
    public readonly delegate* unmanaged<nuint, nuint*, nuint, nuint*, nuint> FindObjects;
    public readonly delegate* unmanaged<nuint, nuint> FindObjectsFinal;
    public readonly delegate* unmanaged<nuint, CkMechanism*, nuint, nuint> SignInit;
    public readonly delegate* unmanaged<nuint, byte*, nuint, byte*, nuint*, nuint> Sign;

    /// <summary>Reads the table; throws when one of the functions used is missing.</summary>
    public CkFunctions(void* list)
    {
        // Index i of the standard's list sits after the CK_VERSION, which is padded to a pointer.
        var f = (void**)list + 1;
        Initialize = (delegate* unmanaged<void*, nuint>)Need(f, 0);
        Finalize = (delegate* unmanaged<void*, nuint>)Need(f, 1);
        GetInfo = (delegate* unmanaged<CkInfo*, nuint>)Need(f, 2);
        GetSlotList = (delegate* unmanaged<byte, nuint*, nuint*, nuint>)Need(f, 4);
        GetTokenInfo = (delegate* unmanaged<nuint, CkTokenInfo*, nuint>)Need(f, 6);
        OpenSession = (delegate* unmanaged<nuint, nuint, void*, void*, nuint*, nuint>)Need(f, 12);
        CloseSession = (delegate* unmanaged<nuint, nuint>)Need(f, 13);
        Login = (delegate* unmanaged<nuint, nuint, byte*, nuint, nuint>)Need(f, 18);
        GetAttributeValue = (delegate* unmanaged<nuint, nuint, CkAttribute*, nuint, nuint>)Need(f, 24);
        FindObjectsInit = (delegate* unmanaged<nuint, CkAttribute*, nuint, nuint>)Need(f, 26);
        FindObjects = (delegate* unmanaged<nuint, nuint*, nuint, nuint*, nuint>)Need(f, 27);
        FindObjectsFinal = (delegate* unmanaged<nuint, nuint>)Need(f, 28);
        SignInit = (delegate* unmanaged<nuint, CkMechanism*, nuint, nuint>)Need(f, 42);
        Sign = (delegate* unmanaged<nuint, byte*, nuint, byte*, nuint*, nuint>)Need(f, 43);
    }

    private static void* Need(void** table, int index) =>
        table[index] is var p && p != null ? p : throw new Pkcs11Exception($"PKCS#11 function list entry {index} is missing");
}
