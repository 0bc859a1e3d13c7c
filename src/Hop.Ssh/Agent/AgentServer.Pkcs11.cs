using System.Runtime.InteropServices;
using Hop.Ssh.Agent.Messages;
using Hop.Ssh.Keys.Pkcs11;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Agent;

/// <summary>
/// Token keys (ssh-add -s / -e), as ssh-agent's process_add_smartcard_key and
/// process_remove_smartcard_key: the provider path is made canonical (realpath) and must match the
/// allowed-providers pattern list; the provider is loaded and logged in to with the PIN, and each of
/// its keys the agent does not hold already is added, named by its label (or the provider), with the
/// request's lifetime and confirm constraints. Removing a provider drops its keys and unloads it.
/// </summary>
public sealed partial class AgentServer
{
    /// <summary>
    /// Whether a provider's canonical path may be loaded (ssh-agent -P: the CLI matches its pattern
    /// list); when null, none may.
    /// </summary>
    public Func<string, bool>? ProviderAllowed { get; init; }

    private bool AddSmartcardKey(byte[] request)
    {
        var r = new SshReader(request);
        using var msg = SmartcardKeyMessage.Read(ref r);
        if (CanonicalProvider(msg) is not { } canonical) return false;
        if (ProviderAllowed?.Invoke(canonical) != true)
        {
            Log?.Invoke($"refusing PKCS#11 add of \"{Truncate(canonical)}\": provider not allowed");
            return false;
        }
        Log?.Invoke($"debug1: add {Truncate(canonical)}");
        Pkcs11Provider? provider;
        try
        {
            provider = Store.Providers.Register(canonical, path => Pkcs11Provider.OpenWithPin(path, msg.Pin, ProviderLog));
        }
        catch (Pkcs11Exception e)
        {
            Log?.Invoke(e.Message);
            return false;
        }
        if (provider is null)
        {
            Log?.Invoke($"debug1: provider already registered: {canonical}");
            return false;
        }
        if (provider.Keys.Count == 0)
        {
            // ssh unloads a provider that offers no keys (a wrong PIN, no token), and fails the add.
            Store.Providers.Remove(canonical);
            Log?.Invoke($"debug1: provider {canonical} returned no keys");
            return false;
        }
        uint? seconds = msg.Constraints.LifetimeSeconds;
        TimeSpan? lifetime = seconds is uint s ? TimeSpan.FromSeconds(s) : null;
        bool added = false;
        foreach (var key in provider.Keys)
        {
            string comment = key.Label.Length > 0 ? key.Label : canonical;
            if (!Store.AddToken(key, comment, canonical, lifetime, msg.Constraints.Confirm)) continue;
            added = true;
            Log?.Invoke($"debug1: add {key.PublicKey.KeyType} {key.PublicKey.Fingerprint()} {comment}"
                + (seconds is uint life ? $" (lifetime {life}s)" : "") + (msg.Constraints.Confirm ? " (confirm)" : ""));
        }
        return added;
    }

    /// <summary>The request's provider path made canonical; null, logged in ssh-agent's words ("add" also for a removal), when it cannot be.</summary>
    private string? CanonicalProvider(SmartcardKeyMessage msg)
    {
        string? canonical = RealPath(msg.Provider, out string? error);
        if (canonical is null) Log?.Invoke($"failed PKCS#11 add of \"{Truncate(msg.Provider)}\": realpath: {error}");
        return canonical;
    }

    private bool RemoveSmartcardKey(byte[] request)
    {
        var r = new SshReader(request);
        using var msg = SmartcardKeyMessage.Read(ref r);
        if (CanonicalProvider(msg) is not { } canonical) return false;
        Log?.Invoke($"debug1: remove {Truncate(canonical)}");
        int n = Store.RemoveProvider(canonical);
        if (!Store.Providers.Remove(canonical))
        {
            Log?.Invoke("process_remove_smartcard_key: pkcs11_del_provider failed");
            return false;
        }
        Log?.Invoke($"debug1: removed {n} keys of {canonical}");
        return true;
    }

    /// <summary>The provider's lines for the -d log: its errors plain, the rest as debug lines.</summary>
    private void ProviderLog(int level, string message) =>
        Log?.Invoke(level == 0 ? message : $"debug{Math.Min(level, 3)}: {message}");

    /// <summary>ssh-agent logs at most 100 bytes of a provider name.</summary>
    private static string Truncate(string s) => s.Length > 100 ? s[..100] : s;

    /// <summary>realpath(3): the absolute path with every symbolic link resolved; null with strerror's text when it fails.</summary>
    private static string? RealPath(string path, out string? error)
    {
        error = null;
        if (OperatingSystem.IsWindows())
        {
            error = "PKCS#11 is supported on Unix systems only";
            return null;
        }
        nint resolved = AgentNativePath.RealPath(path, 0);
        if (resolved == 0)
        {
            error = Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
            return null;
        }
        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            AgentNativePath.Free(resolved);
        }
    }
}

internal static partial class AgentNativePath
{
    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial nint RealPath(string path, nint resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    internal static partial void Free(nint pointer);
}
