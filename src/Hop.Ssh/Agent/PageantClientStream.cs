using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Cryptography;
using System.Security.Principal;
using static Hop.Ssh.Agent.PageantNative;

namespace Hop.Ssh.Agent;

/// <summary>
/// A connection to PuTTY's Pageant (or <c>hop agent</c>'s Pageant window) as a stream, so that the
/// agent client and agent forwarding use it as any other agent: each whole request written is sent
/// with WM_COPYDATA (see <see cref="PageantCopyData"/>) and its answer is what reads return. The
/// shared section is this user's alone and zeroed before it is closed.
/// </summary>
internal sealed unsafe class PageantClientStream : UnseekableStream
{
    /// <summary>How long one request may take (a key's confirmation is a person answering a dialog).</summary>
    private const uint RequestTimeoutMilliseconds = 120_000;

    private readonly MemoryStream _pending = new();
    private readonly Query _query;
    private byte[] _answer = [];
    private int _answerRead;

    /// <summary>Sends one request's body (type byte first) and returns the answer's body.</summary>
    public delegate byte[] Query(ReadOnlySpan<byte> body);

    /// <summary>A stream whose requests go through <paramref name="query"/> (on Windows, <see cref="Open"/>).</summary>
    public PageantClientStream(Query query) => _query = query;

    /// <summary>Whether a Pageant window is there.</summary>
    [SupportedOSPlatform("windows")]
    public static bool Exists => FindWindow(PageantCopyData.WindowName, PageantCopyData.WindowName) != 0;

    /// <summary>A stream to the Pageant window.</summary>
    [SupportedOSPlatform("windows")]
    public static PageantClientStream Open() => new(SendToWindow);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _pending.Write(buffer);
        while (_pending.Length >= 4)
        {
            byte[] pending = _pending.GetBuffer();
            long whole = 4 + (long)BinaryPrimitives.ReadUInt32BigEndian(pending);
            if (whole > 4 + AgentProtocol.MaxMessageLength) throw new IOException($"agent request of {whole - 4} bytes is too long for Pageant");
            if (_pending.Length < whole) return;
            var answer = _query(pending.AsSpan(4, (int)whole - 4));
            byte[] framed = new byte[answer.Length + 4];
            BinaryPrimitives.WriteUInt32BigEndian(framed, (uint)answer.Length);
            answer.CopyTo(framed, 4);
            CryptographicOperations.ZeroMemory(answer);
            byte[] read = _answer;
            _answer = [.. _answer.AsSpan(_answerRead), .. framed];
            _answerRead = 0;
            CryptographicOperations.ZeroMemory(read);
            CryptographicOperations.ZeroMemory(framed);
            byte[] rest = pending.AsSpan((int)whole, (int)(_pending.Length - whole)).ToArray();
            CryptographicOperations.ZeroMemory(pending.AsSpan(0, (int)_pending.Length));
            _pending.SetLength(0);
            _pending.Write(rest);
        }
    }

    public override int Read(Span<byte> buffer)
    {
        int n = Math.Min(buffer.Length, _answer.Length - _answerRead);
        _answer.AsSpan(_answerRead, n).CopyTo(buffer);
        _answerRead += n;
        return n; // 0 once every answer has been read: end of stream for a caller that reads on
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override void Flush() { }
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected override void Dispose(bool disposing)
    {
        CryptographicOperations.ZeroMemory(_answer);
        CryptographicOperations.ZeroMemory(_pending.GetBuffer());
        _pending.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>One request (body, type byte first) to Pageant's window; its answer's body.</summary>
    [SupportedOSPlatform("windows")]
    private static byte[] SendToWindow(ReadOnlySpan<byte> body)
    {
        nint window = FindWindow(PageantCopyData.WindowName, PageantCopyData.WindowName);
        if (window == 0) throw new IOException("Pageant is not running");
        string name = PageantCopyData.SectionName(GetCurrentThreadId());
        nint section = CreateOwnedSection(name);
        if (section == 0) throw new IOException($"cannot make the section for Pageant: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        try
        {
            byte* view = (byte*)MapViewOfFile(section, FileMapWrite, 0, 0, 0);
            if (view is null) throw new IOException($"cannot map the section for Pageant: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            var map = new Span<byte>(view, PageantCopyData.SectionLength);
            try
            {
                PageantCopyData.WriteRequest(map, body);
                byte[] nameBytes = [.. System.Text.Encoding.ASCII.GetBytes(name), 0];
                nint answered;
                fixed (byte* namePointer = nameBytes)
                {
                    var data = new CopyDataStruct { Data = PageantCopyData.CopyDataId, Length = (uint)nameBytes.Length, Pointer = namePointer };
                    if (SendMessageTimeout(window, WmCopyData, 0, (nint)(&data), SmtoAbortIfHung, RequestTimeoutMilliseconds, &answered) == 0)
                        throw new IOException("Pageant did not answer in time");
                }
                if (answered == 0) throw new IOException("Pageant refused the request");
                return PageantCopyData.ReadReply(map);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(map);
                UnmapViewOfFile(view);
            }
        }
        finally
        {
            CloseHandle(section);
        }
    }

    /// <summary>
    /// A page-file section named <paramref name="name"/> that is this user's: owned by the user (not the
    /// default owner, Administrators in an elevated prompt, which Pageant refuses) and open to the user
    /// alone, where PuTTY leaves the DACL empty, so open to all, while the request is in it.
    /// </summary>
    [SupportedOSPlatform("windows")]
    private static nint CreateOwnedSection(string name)
    {
        using var me = WindowsIdentity.GetCurrent();
        string user = me.User!.Value;
        var descriptor = new RawSecurityDescriptor($"O:{user}D:P(A;;GA;;;{user})");
        byte[] binary = new byte[descriptor.BinaryLength];
        descriptor.GetBinaryForm(binary, 0);
        fixed (byte* pointer = binary)
        {
            var attributes = new SecurityAttributes { Length = sizeof(SecurityAttributes), SecurityDescriptor = pointer, InheritHandle = 0 };
            return CreateFileMapping(-1, &attributes, PageReadWrite, 0, PageantCopyData.SectionLength, name);
        }
    }
}
