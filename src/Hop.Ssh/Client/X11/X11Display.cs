using System.Globalization;
using System.Net.Sockets;

namespace Hop.Ssh.Client.X11;

/// <summary>
/// A local X display named as in DISPLAY: ":N[.S]" or "unix:N[.S]" is the Unix socket
/// /tmp/.X11-unix/XN; "host:N[.S]" is TCP port 6000+N on host.
/// </summary>
public sealed class X11Display
{
    private X11Display(string name, string? host, int number, uint screen)
    {
        Name = name;
        Host = host;
        Number = number;
        Screen = screen;
    }

    /// <summary>DISPLAY as given.</summary>
    public string Name { get; }

    /// <summary>The TCP host, or null for the local Unix socket.</summary>
    public string? Host { get; }

    public int Number { get; }

    /// <summary>The screen number sent in x11-req.</summary>
    public uint Screen { get; }

    public string UnixSocketPath => $"/tmp/.X11-unix/X{Number.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// The name xauth should look the cookie up under: as OpenSSH does, "localhost:N" becomes
    /// "unix:N", since xauth keeps local cookies under the Unix name.
    /// </summary>
    public string XAuthName => Name.StartsWith("localhost:", StringComparison.Ordinal) ? "unix:" + Name["localhost:".Length..] : Name;

    /// <summary>Parses DISPLAY; null when it has no ":number".</summary>
    public static X11Display? Parse(string? display)
    {
        if (string.IsNullOrEmpty(display)) return null;
        int colon = display.LastIndexOf(':');
        if (colon < 0) return null;
        string host = display[..colon];
        string rest = display[(colon + 1)..];
        uint screen = 0;
        int dot = rest.IndexOf('.', StringComparison.Ordinal);
        if (dot >= 0)
        {
            if (!uint.TryParse(rest[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out screen)) return null;
            rest = rest[..dot];
        }
        if (!int.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number > 59535) return null;
        bool local = host.Length == 0 || host == "unix" || host.StartsWith('/');
        return new X11Display(display, local ? null : host.Trim('[', ']'), number, screen);
    }

    /// <summary>Opens a connection to the display's X server.</summary>
    public async Task<Stream> ConnectAsync(CancellationToken cancellationToken = default)
    {
        if (Host is null)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(UnixSocketPath), cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            return new NetworkStream(socket, ownsSocket: true);
        }
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(Host, 6000 + Number, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
        return tcp.GetStream();
    }
}
