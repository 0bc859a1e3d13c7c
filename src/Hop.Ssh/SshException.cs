namespace Hop.Ssh;

/// <summary>Base of every error Hop raises on purpose; its message is fit to show a user on one line.</summary>
public class SshException : Exception
{
    public SshException() { }
    public SshException(string message) : base(message) { }
    public SshException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The connection could not be made, or was lost (ssh exits 255).</summary>
public class SshConnectionException : SshException
{
    public SshConnectionException() { }
    public SshConnectionException(string message) : base(message) { }
    public SshConnectionException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The peer broke the protocol: malformed, truncated, oversized or unexpected data.</summary>
public class SshProtocolException : SshConnectionException
{
    public SshProtocolException() { }
    public SshProtocolException(string message) : base(message) { }
    public SshProtocolException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>No authentication method succeeded.</summary>
public class SshAuthenticationException : SshConnectionException
{
    public SshAuthenticationException() { }
    public SshAuthenticationException(string message) : base(message) { }
    public SshAuthenticationException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A channel could not be opened or failed.</summary>
public class SshChannelException : SshException
{
    public SshChannelException() { }
    public SshChannelException(string message) : base(message) { }
    public SshChannelException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A key file or key blob is malformed, unsupported or unsafe.</summary>
public class SshKeyFormatException : SshException
{
    public SshKeyFormatException() { }
    public SshKeyFormatException(string message) : base(message) { }
    public SshKeyFormatException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A passphrase was wrong or missing.</summary>
public class SshPassphraseException : SshKeyFormatException
{
    public SshPassphraseException() { }
    public SshPassphraseException(string message) : base(message) { }
    public SshPassphraseException(string message, Exception inner) : base(message, inner) { }
}
