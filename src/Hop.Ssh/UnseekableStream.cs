namespace Hop.Ssh;

/// <summary>A stream with no position or length (a socket, a pipe, a channel): the members of <see cref="Stream"/> that do not apply, once.</summary>
public abstract class UnseekableStream : Stream
{
    public sealed override bool CanSeek => false;
    public sealed override long Length => throw new NotSupportedException();
    public sealed override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public sealed override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public sealed override void SetLength(long value) => throw new NotSupportedException();
}
