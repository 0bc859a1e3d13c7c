namespace Hop.Ssh.Config;

/// <summary>StrictHostKeyChecking.</summary>
public enum StrictHostKeyChecking
{
    /// <summary>no / off: add new keys silently; a changed key still limits the session.</summary>
    No,
    /// <summary>yes: never add keys; refuse unknown and changed keys.</summary>
    Yes,
    /// <summary>ask (default): ask before adding a new key.</summary>
    Ask,
    /// <summary>accept-new: add new keys silently, refuse changed ones.</summary>
    AcceptNew,
}

/// <summary>RequestTTY.</summary>
public enum RequestTty
{
    Auto,
    No,
    Yes,
    Force,
}

/// <summary>AddressFamily.</summary>
public enum AddressFamily
{
    Any,
    Inet,
    Inet6,
}

/// <summary>UpdateHostKeys.</summary>
public enum UpdateHostKeys
{
    No,
    Yes,
    Ask,
}

/// <summary>Tunnel: the tun@openssh.com mode asked for (OpenSSH's SSH_TUNMODE_* numbers).</summary>
public enum Tunnel
{
    /// <summary>no (default).</summary>
    No = 0,
    /// <summary>point-to-point, or yes: a tun device, IP packets (layer 3).</summary>
    PointToPoint = 1,
    /// <summary>ethernet: a tap device, Ethernet frames (layer 2).</summary>
    Ethernet = 2,
}
