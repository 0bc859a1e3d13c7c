namespace Hop.Ssh.Client.Forwarding;

/// <summary>How the client makes the Unix sockets it listens on for forwards: StreamLocalBindMask and StreamLocalBindUnlink.</summary>
/// <param name="Mask">The umask while binding (0177: the socket is srw-------).</param>
/// <param name="Unlink">Remove an existing file at the path first.</param>
public sealed record StreamLocalBind(int Mask, bool Unlink)
{
    /// <summary>ssh's defaults: mask 0177, no unlink.</summary>
    public static StreamLocalBind Default { get; } = new(0x7f, false);
}
