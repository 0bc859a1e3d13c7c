using Hop.Ssh.Keys;
using Hop.Ssh.Keys.Pkcs11;

namespace Hop.Ssh.Agent;

/// <summary>
/// The keys an agent holds, in the order they were added, each with its comment, expiry and
/// confirm flag. Expired keys are removed (and zeroed) by a timer and before every lookup;
/// removed keys are zeroed at once, or after the signature in progress with them ends.
/// Thread-safe: connections are served concurrently.
/// </summary>
public sealed class AgentKeyStore : IDisposable
{
    private readonly object _gate = new();
    private readonly List<AgentKeyEntry> _entries = [];
    private readonly TimeProvider _time;
    private readonly ITimer _reaper;
    private bool _disposed;

    public AgentKeyStore(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _reaper = _time.CreateTimer(_ => ReapExpired(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The PKCS#11 providers whose token keys the store holds (ssh-add -s); disposed with the store.</summary>
    public AgentTokenProviders Providers { get; } = new();

    /// <summary>The lifetime given to keys added without one (ssh-agent -t); null for none.</summary>
    public TimeSpan? DefaultLifetime { get; set; }

    /// <summary>Called with a one-line note when a key expires (for the -d log; never key material).</summary>
    public event Action<string>? KeyExpired;

    public int Count
    {
        get { lock (_gate) return _entries.Count; }
    }

    /// <summary>The identities held, oldest first.</summary>
    public IReadOnlyList<AgentIdentity> List()
    {
        ReapExpired();
        lock (_gate) return _entries.Select(e => new AgentIdentity(e.PublicKey, e.Comment)).ToList();
    }

    /// <summary>
    /// Adds a key, taking ownership. A key already held is replaced (its comment and constraints
    /// too), as OpenSSH does. <paramref name="lifetime"/> null means the default lifetime.
    /// </summary>
    public void Add(SshPrivateKey key, string comment, TimeSpan? lifetime = null, bool confirm = false)
    {
        ArgumentNullException.ThrowIfNull(key);
        var entry = new AgentKeyEntry(key, comment, ExpiryFor(lifetime), confirm);
        AgentKeyEntry? old = null;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            int i = IndexOf(key.PublicKey.Blob);
            if (i >= 0)
            {
                old = _entries[i];
                _entries[i] = entry;
            }
            else
            {
                _entries.Add(entry);
            }
            Reschedule();
        }
        old?.Release();
    }

    /// <summary>When a key added now with <paramref name="lifetime"/> (null: the default lifetime) expires; null for never.</summary>
    private DateTimeOffset? ExpiryFor(TimeSpan? lifetime) =>
        (lifetime ?? DefaultLifetime) is TimeSpan l ? _time.GetUtcNow() + l : null;

    /// <summary>
    /// Adds a key on a PKCS#11 token that <paramref name="provider"/> (the canonical library path)
    /// serves, unless a key with the same public half is held already: then false and the held one
    /// stays as it was (ssh-agent's process_add_smartcard_key). The token keeps the private half.
    /// </summary>
    public bool AddToken(Pkcs11Key key, string comment, string provider, TimeSpan? lifetime = null, bool confirm = false)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(provider);
        var expires = ExpiryFor(lifetime);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (IndexOf(key.PublicKey.Blob) >= 0) return false;
            _entries.Add(new AgentKeyEntry(key, comment, provider, expires, confirm));
            Reschedule();
            return true;
        }
    }

    /// <summary>Removes every key <paramref name="provider"/> serves and returns how many there were.</summary>
    public int RemoveProvider(string provider)
    {
        List<AgentKeyEntry> gone = [];
        lock (_gate)
        {
            for (int i = _entries.Count - 1; i >= 0; i--)
            {
                if (_entries[i].Provider == provider)
                {
                    gone.Add(_entries[i]);
                    _entries.RemoveAt(i);
                }
            }
            if (gone.Count > 0) Reschedule();
        }
        foreach (var e in gone) e.Release();
        return gone.Count;
    }

    /// <summary>The entry for a public key blob, or null.</summary>
    public AgentKeyEntry? Find(ReadOnlySpan<byte> keyBlob)
    {
        ReapExpired();
        lock (_gate)
        {
            int i = IndexOf(keyBlob);
            return i >= 0 ? _entries[i] : null;
        }
    }

    /// <summary>Removes the key with this blob; false if it was not held.</summary>
    public bool Remove(ReadOnlySpan<byte> keyBlob)
    {
        AgentKeyEntry? e;
        lock (_gate)
        {
            int i = IndexOf(keyBlob);
            if (i < 0) return false;
            e = _entries[i];
            _entries.RemoveAt(i);
            Reschedule();
        }
        e.Release();
        return true;
    }

    /// <summary>Removes every key and returns how many there were.</summary>
    public int RemoveAll()
    {
        AgentKeyEntry[] all;
        lock (_gate)
        {
            all = [.. _entries];
            _entries.Clear();
            Reschedule();
        }
        foreach (var e in all) e.Release();
        return all.Length;
    }

    /// <summary>Removes (and zeroes) every key whose lifetime has ended.</summary>
    public void ReapExpired()
    {
        List<AgentKeyEntry>? dead = null;
        lock (_gate)
        {
            if (_disposed) return;
            var now = _time.GetUtcNow();
            for (int i = _entries.Count - 1; i >= 0; i--)
            {
                if (_entries[i].Expires is DateTimeOffset t && t <= now)
                {
                    (dead ??= []).Add(_entries[i]);
                    _entries.RemoveAt(i);
                }
            }
            if (dead is not null) Reschedule();
        }
        if (dead is null) return;
        foreach (var e in dead)
        {
            KeyExpired?.Invoke($"expired key {e.PublicKey.KeyType} {e.PublicKey.Fingerprint()}");
            e.Release();
        }
    }

    private int IndexOf(ReadOnlySpan<byte> blob)
    {
        for (int i = 0; i < _entries.Count; i++)
        {
            if (_entries[i].PublicKey.Blob.SequenceEqual(blob)) return i;
        }
        return -1;
    }

    // Caller holds _gate.
    private void Reschedule()
    {
        if (_disposed) return;
        DateTimeOffset? next = null;
        foreach (var e in _entries)
        {
            if (e.Expires is DateTimeOffset t && (next is null || t < next)) next = t;
        }
        if (next is DateTimeOffset n)
        {
            var due = n - _time.GetUtcNow();
            if (due < TimeSpan.Zero) due = TimeSpan.Zero;
            _reaper.Change(due + TimeSpan.FromMilliseconds(10), Timeout.InfiniteTimeSpan);
        }
        else
        {
            _reaper.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Removes and zeroes every key.</summary>
    public void Dispose()
    {
        RemoveAll();
        lock (_gate) _disposed = true;
        _reaper.Dispose();
        Providers.Dispose();
    }
}

/// <summary>One key the agent holds.</summary>
public sealed class AgentKeyEntry
{
    private readonly SshPrivateKey? _key;
    private readonly Pkcs11Key? _token;
    private readonly object _use = new();
    private int _users;
    private bool _released;

    internal AgentKeyEntry(SshPrivateKey key, string comment, DateTimeOffset? expires, bool confirm)
    {
        _key = key;
        PublicKey = key.PublicKey;
        Comment = comment;
        Expires = expires;
        Confirm = confirm;
    }

    internal AgentKeyEntry(Pkcs11Key token, string comment, string provider, DateTimeOffset? expires, bool confirm)
    {
        _token = token;
        PublicKey = token.PublicKey;
        Comment = comment;
        Provider = provider;
        Expires = expires;
        Confirm = confirm;
    }

    public SshPublicKey PublicKey { get; }
    public string Comment { get; }

    /// <summary>For a key on a PKCS#11 token, the provider library (canonical path) that serves it; else null.</summary>
    public string? Provider { get; }
    public DateTimeOffset? Expires { get; }

    /// <summary>Each use must be confirmed by the user (ssh-add -c).</summary>
    public bool Confirm { get; }

    /// <summary>Signs with the key; null when the key was removed meanwhile or cannot sign with <paramref name="algorithm"/>.</summary>
    public byte[]? Sign(ReadOnlySpan<byte> data, string? algorithm)
    {
        if (_key is null) return null;
        lock (_use)
        {
            if (_released) return null;
            _users++;
        }
        try
        {
            return _key.Sign(data, algorithm);
        }
        catch (SshKeyFormatException)
        {
            return null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
        finally
        {
            bool dispose;
            lock (_use)
            {
                _users--;
                dispose = _released && _users == 0;
            }
            if (dispose) _key!.Dispose();
        }
    }

    /// <summary>
    /// Signs with the key, on its token for a token key (already logged in to when it was added);
    /// null when the key was removed meanwhile, its provider unloaded, or the signature failed.
    /// </summary>
    public async ValueTask<byte[]?> SignAsync(ReadOnlyMemory<byte> data, string? algorithm, CancellationToken cancellationToken)
    {
        if (_token is null) return Sign(data.Span, algorithm);
        lock (_use)
        {
            if (_released) return null;
        }
        try
        {
            return await _token.SignAsync(data, algorithm ?? PublicKey.KeyType, askPin: null, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
    }

    internal void Release()
    {
        bool dispose;
        lock (_use)
        {
            if (_released) return;
            _released = true;
            dispose = _users == 0;
        }
        if (dispose) _key?.Dispose();
    }
}
