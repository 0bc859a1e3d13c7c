using Hop.Ssh.Wire;

namespace Hop.Ssh.Connection.Messages;

/// <summary>
/// The request-specific data of the OpenSSH host key rotation extension (OpenSSH PROTOCOL, "hostkeys-00@openssh.com"
/// and "hostkeys-prove-00@openssh.com"): a run of strings up to the end of the message.
/// <code>
/// SSH_MSG_GLOBAL_REQUEST "hostkeys-00@openssh.com", want reply FALSE
///   string[]  public host key blobs the server holds
/// SSH_MSG_GLOBAL_REQUEST "hostkeys-prove-00@openssh.com", want reply TRUE
///   string[]  the host key blobs the client wants proved
/// SSH_MSG_REQUEST_SUCCESS
///   string[]  one signature per key asked for, in the same order, each over
///             string "hostkeys-prove-00@openssh.com", string session identifier, string host key blob
/// </code>
/// </summary>
public sealed class HostKeysList
{
    /// <summary>The server's announcement.</summary>
    public const string Announcement = "hostkeys-00@openssh.com";

    /// <summary>The client's request for proof.</summary>
    public const string ProveRequest = "hostkeys-prove-00@openssh.com";

    /// <summary>No server holds more host keys than this; a longer list is refused.</summary>
    public const int MaxItems = 64;

    /// <summary>The largest key blob or signature accepted.</summary>
    public const int MaxItemBytes = 16 * 1024;

    public required IReadOnlyList<byte[]> Items { get; init; }

    /// <summary>Reads the strings up to the end of the request data (or of the REQUEST_SUCCESS data).</summary>
    public static HostKeysList Read(ref SshReader reader)
    {
        var items = new List<byte[]>();
        while (!reader.IsAtEnd)
        {
            if (items.Count == MaxItems) throw new SshProtocolException($"more than {MaxItems} host keys or signatures");
            items.Add(reader.ReadString(MaxItemBytes).ToArray());
        }
        return new HostKeysList { Items = items };
    }

    public void Write(ref SshWriter writer)
    {
        foreach (var item in Items) writer.WriteString(item);
    }

    /// <summary>The bytes a host key proof signs: string "hostkeys-prove-00@openssh.com", string session id, string key blob.</summary>
    public static byte[] ProofData(ReadOnlySpan<byte> sessionId, ReadOnlySpan<byte> keyBlob)
    {
        using var buffer = new SshBuffer();
        var w = buffer.Writer;
        w.WriteString(ProveRequest);
        w.WriteString(sessionId);
        w.WriteString(keyBlob);
        return buffer.ToArray();
    }
}
