namespace Hop.Ssh.Keys.Pkcs11;

/// <summary>A PKCS#11 provider could not be loaded or used; the message is ssh's where ssh has one.</summary>
public sealed class Pkcs11Exception : SshException
{
    public Pkcs11Exception() { }
    public Pkcs11Exception(string message) : base(message) { }
    public Pkcs11Exception(string message, Exception inner) : base(message, inner) { }
}
