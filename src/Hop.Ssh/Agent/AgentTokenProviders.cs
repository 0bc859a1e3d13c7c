using Hop.Ssh.Keys.Pkcs11;

namespace Hop.Ssh.Agent;

/// <summary>
/// The PKCS#11 provider libraries an agent has loaded (ssh-add -s), by canonical path. A provider
/// stays registered until it is removed by name (ssh-add -e), even when its keys are gone
/// (removed with -D, expired): as with ssh-agent, adding it again before then is refused.
/// Disposing unloads every provider. Thread-safe.
/// </summary>
public sealed class AgentTokenProviders : IDisposable
{
    private readonly Dictionary<string, Pkcs11Provider> _loaded = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>Whether <paramref name="path"/> is registered.</summary>
    public bool Contains(string path)
    {
        lock (_loaded) return _loaded.ContainsKey(path);
    }

    /// <summary>
    /// Loads <paramref name="path"/> with <paramref name="open"/> and registers it, unless it is
    /// registered already (then null, and nothing is loaded). Loading errors propagate.
    /// </summary>
    public Pkcs11Provider? Register(string path, Func<string, Pkcs11Provider> open)
    {
        ArgumentNullException.ThrowIfNull(open);
        lock (_loaded)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_loaded.ContainsKey(path)) return null;
            var provider = open(path);
            _loaded.Add(path, provider);
            return provider;
        }
    }

    /// <summary>Unregisters and unloads <paramref name="path"/>; false if it was not registered.</summary>
    public bool Remove(string path)
    {
        Pkcs11Provider? provider;
        lock (_loaded)
        {
            if (!_loaded.Remove(path, out provider)) return false;
        }
        provider.Dispose();
        return true;
    }

    public void Dispose()
    {
        Pkcs11Provider[] all;
        lock (_loaded)
        {
            _disposed = true;
            all = [.. _loaded.Values];
            _loaded.Clear();
        }
        foreach (var p in all) p.Dispose();
    }
}
