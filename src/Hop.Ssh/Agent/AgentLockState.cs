using System.Security.Cryptography;

namespace Hop.Ssh.Agent;

/// <summary>
/// The agent's lock (SSH_AGENTC_LOCK/UNLOCK). While locked, the agent keeps only a salted
/// PBKDF2-SHA256 hash of the passphrase, never the passphrase, and compares in constant time.
/// Wrong unlock attempts are answered more slowly each time, as OpenSSH's agent does.
/// </summary>
internal sealed class AgentLockState
{
    private const int Iterations = 10_000;
    private const int HashBytes = 32;
    private readonly object _gate = new();
    private byte[]? _salt;
    private byte[]? _hash;
    private int _failures;

    public bool IsLocked
    {
        get { lock (_gate) return _hash is not null; }
    }

    /// <summary>Locks with <paramref name="passphrase"/>; false if already locked.</summary>
    public bool Lock(ReadOnlySpan<byte> passphrase)
    {
        byte[] salt = RandomNumberGenerator.GetBytes(16);
        byte[] hash = Rfc2898DeriveBytes.Pbkdf2(passphrase, salt, Iterations, HashAlgorithmName.SHA256, HashBytes);
        lock (_gate)
        {
            if (_hash is not null) return false;
            _salt = salt;
            _hash = hash;
            _failures = 0;
            return true;
        }
    }

    /// <summary>Unlocks if <paramref name="passphrase"/> matches; the delay to impose on failure comes back in <paramref name="penalty"/>.</summary>
    public bool Unlock(ReadOnlySpan<byte> passphrase, out TimeSpan penalty)
    {
        penalty = TimeSpan.Zero;
        byte[]? salt;
        lock (_gate)
        {
            if (_hash is null) return false;
            salt = _salt;
        }
        byte[] attempt = Rfc2898DeriveBytes.Pbkdf2(passphrase, salt, Iterations, HashAlgorithmName.SHA256, HashBytes);
        try
        {
            lock (_gate)
            {
                if (_hash is null) return false;
                if (CryptographicOperations.FixedTimeEquals(attempt, _hash))
                {
                    CryptographicOperations.ZeroMemory(_hash);
                    _hash = null;
                    _salt = null;
                    _failures = 0;
                    return true;
                }
                if (_failures < 10) _failures++;
                penalty = TimeSpan.FromMilliseconds(100 * _failures);
                return false;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(attempt);
        }
    }
}
