using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;

namespace Hop.Ssh.Client.Forwarding;

/// <summary>A SOCKS CONNECT request: where the client wants to go, and which version answers it.</summary>
public sealed record SocksRequest(int Version, string Host, int Port);

/// <summary>
/// The server side of SOCKS4 (with SOCKS4A names) and SOCKS5 (RFC 1928, no authentication, CONNECT
/// only, IPv4, IPv6 and domain names), as ssh -D serves it. Every field is read with an exact,
/// bounded length; anything malformed throws <see cref="SocksException"/> and the caller closes
/// that one connection.
/// </summary>
public static class SocksProtocol
{
    private const byte Socks4ReplyVersion = 0;
    private const byte Socks4Granted = 0x5a;
    private const byte Socks4Rejected = 0x5b;

    /// <summary>SOCKS5 reply codes (RFC 1928 §6).</summary>
    public const byte Succeeded = 0, GeneralFailure = 1, NotAllowed = 2, HostUnreachable = 4, ConnectionRefused = 5, CommandNotSupported = 7, AddressTypeNotSupported = 8;

    /// <summary>Reads the greeting (SOCKS5: method negotiation, answered here) and the CONNECT request.</summary>
    public static async Task<SocksRequest> ReadRequestAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte version = await ReadByteAsync(stream, cancellationToken).ConfigureAwait(false);
        return version switch
        {
            4 => await ReadSocks4Async(stream, cancellationToken).ConfigureAwait(false),
            5 => await ReadSocks5Async(stream, cancellationToken).ConfigureAwait(false),
            _ => throw new SocksException($"unsupported SOCKS version {version}"),
        };
    }

    /// <summary>Answers the request: success (with a zero bound address, as OpenSSH) or failure.</summary>
    public static async Task ReplyAsync(Stream stream, SocksRequest request, bool success, byte socks5Code = GeneralFailure, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(request);
        byte[] reply = request.Version == 4
            ? [Socks4ReplyVersion, success ? Socks4Granted : Socks4Rejected, 0, 0, 0, 0, 0, 0]
            : [5, success ? Succeeded : socks5Code, 0, 1, 0, 0, 0, 0, 0, 0];
        await stream.WriteAsync(reply, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>SOCKS4: VN=4 CD DSTPORT DSTIP USERID NUL [HOSTNAME NUL when DSTIP is 0.0.0.x, x != 0].</summary>
    private static async Task<SocksRequest> ReadSocks4Async(Stream stream, CancellationToken ct)
    {
        var head = new byte[7];
        await stream.ReadExactlyAsync(head, ct).ConfigureAwait(false);
        if (head[0] != 1) throw new SocksException($"unsupported SOCKS4 command {head[0]}");
        int port = BinaryPrimitives.ReadUInt16BigEndian(head.AsSpan(1, 2));
        _ = await ReadNulTerminatedAsync(stream, 255, ct).ConfigureAwait(false);
        string host;
        if (head[3] == 0 && head[4] == 0 && head[5] == 0 && head[6] != 0)
        {
            host = await ReadNulTerminatedAsync(stream, 255, ct).ConfigureAwait(false);
            if (host.Length == 0) throw new SocksException("empty SOCKS4A host name");
        }
        else
        {
            host = new IPAddress(head.AsSpan(3, 4)).ToString();
        }
        return new SocksRequest(4, host, port);
    }

    /// <summary>SOCKS5: VER NMETHODS METHODS, answered with VER METHOD; then VER CMD RSV ATYP DST.ADDR DST.PORT.</summary>
    private static async Task<SocksRequest> ReadSocks5Async(Stream stream, CancellationToken ct)
    {
        int count = await ReadByteAsync(stream, ct).ConfigureAwait(false);
        if (count == 0) throw new SocksException("SOCKS5 greeting offers no method");
        var methods = new byte[count];
        await stream.ReadExactlyAsync(methods, ct).ConfigureAwait(false);
        if (Array.IndexOf(methods, (byte)0) < 0)
        {
            await stream.WriteAsync(new byte[] { 5, 0xff }, ct).ConfigureAwait(false);
            throw new SocksException("SOCKS5 client offers no acceptable method");
        }
        await stream.WriteAsync(new byte[] { 5, 0 }, ct).ConfigureAwait(false);
        await stream.FlushAsync(ct).ConfigureAwait(false);

        var head = new byte[4];
        await stream.ReadExactlyAsync(head, ct).ConfigureAwait(false);
        if (head[0] != 5 || head[2] != 0) throw new SocksException("malformed SOCKS5 request");
        string host;
        switch (head[3])
        {
            case 1:
                var v4 = new byte[4];
                await stream.ReadExactlyAsync(v4, ct).ConfigureAwait(false);
                host = new IPAddress(v4).ToString();
                break;
            case 4:
                var v6 = new byte[16];
                await stream.ReadExactlyAsync(v6, ct).ConfigureAwait(false);
                host = new IPAddress(v6).ToString();
                break;
            case 3:
                int length = await ReadByteAsync(stream, ct).ConfigureAwait(false);
                if (length == 0) throw new SocksException("empty SOCKS5 host name");
                var name = new byte[length];
                await stream.ReadExactlyAsync(name, ct).ConfigureAwait(false);
                host = DecodeName(name);
                break;
            default:
                await ReplyFailureAsync(stream, AddressTypeNotSupported, ct).ConfigureAwait(false);
                throw new SocksException($"unsupported SOCKS5 address type {head[3]}");
        }
        var portBytes = new byte[2];
        await stream.ReadExactlyAsync(portBytes, ct).ConfigureAwait(false);
        if (head[1] != 1)
        {
            await ReplyFailureAsync(stream, CommandNotSupported, ct).ConfigureAwait(false);
            throw new SocksException($"unsupported SOCKS5 command {head[1]}");
        }
        return new SocksRequest(5, host, BinaryPrimitives.ReadUInt16BigEndian(portBytes));
    }

    private static Task ReplyFailureAsync(Stream stream, byte code, CancellationToken ct) =>
        ReplyAsync(stream, new SocksRequest(5, "", 0), false, code, ct);

    private static async Task<byte> ReadByteAsync(Stream stream, CancellationToken ct)
    {
        var one = new byte[1];
        await stream.ReadExactlyAsync(one, ct).ConfigureAwait(false);
        return one[0];
    }

    private static async Task<string> ReadNulTerminatedAsync(Stream stream, int max, CancellationToken ct)
    {
        var bytes = new List<byte>();
        while (true)
        {
            byte b = await ReadByteAsync(stream, ct).ConfigureAwait(false);
            if (b == 0) return DecodeName(bytes.ToArray());
            if (bytes.Count >= max) throw new SocksException("SOCKS4 field too long");
            bytes.Add(b);
        }
    }

    private static string DecodeName(byte[] bytes)
    {
        foreach (byte b in bytes)
        {
            if (b < 0x20 || b == 0x7f) throw new SocksException("control character in SOCKS host name");
        }
        return Encoding.ASCII.GetString(bytes);
    }

    /// <summary>"host:port" for messages (IPv6 in brackets).</summary>
    public static string Describe(SocksRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string port = request.Port.ToString(CultureInfo.InvariantCulture);
        return request.Host.Contains(':', StringComparison.Ordinal) ? $"[{request.Host}]:{port}" : $"{request.Host}:{port}";
    }
}

/// <summary>A malformed or unsupported SOCKS request; only that connection is closed.</summary>
public sealed class SocksException : SshException
{
    public SocksException(string message) : base(message) { }
    public SocksException() { }
    public SocksException(string message, Exception inner) : base(message, inner) { }
}
