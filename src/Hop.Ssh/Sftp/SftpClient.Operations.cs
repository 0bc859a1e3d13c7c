using System.Text;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Sftp;

/// <summary>The one-request operations: stat, directories, names, links and OpenSSH's extensions.</summary>
public sealed partial class SftpClient
{
    /// <summary>SSH_FXP_REALPATH: the canonical absolute form of <paramref name="path"/> ("." is the login directory).</summary>
    public async Task<string> RealPathAsync(string path, CancellationToken cancellationToken = default)
    {
        var names = await RequestAsync((w, id) => new SftpPathRequest(SftpPacketType.Realpath, id, path).Write(w), SftpReplies.Names, cancellationToken).ConfigureAwait(false);
        if (names is not { Count: 1 }) throw new SshProtocolException("sftp: REALPATH did not answer one name");
        return names[0].Name;
    }

    /// <summary>SSH_FXP_STAT (follows symbolic links).</summary>
    public Task<SftpAttributes> StatAsync(string path, CancellationToken cancellationToken = default)
        => RequestAsync((w, id) => new SftpPathRequest(SftpPacketType.Stat, id, path).Write(w), SftpReplies.Attrs, cancellationToken);

    /// <summary>SSH_FXP_LSTAT (does not follow symbolic links).</summary>
    public Task<SftpAttributes> LStatAsync(string path, CancellationToken cancellationToken = default)
        => RequestAsync((w, id) => new SftpPathRequest(SftpPacketType.Lstat, id, path).Write(w), SftpReplies.Attrs, cancellationToken);

    /// <summary>SSH_FXP_SETSTAT: changes permissions, owner, times or size.</summary>
    public Task SetStatAsync(string path, SftpAttributes attributes, CancellationToken cancellationToken = default)
        => RequestAsync((w, id) => new SftpPathAttributesRequest(SftpPacketType.Setstat, id, path, attributes).Write(w), SftpReplies.Ok, cancellationToken);

    /// <summary>chmod: SETSTAT with permissions only.</summary>
    public Task ChmodAsync(string path, uint mode, CancellationToken cancellationToken = default)
        => SetStatAsync(path, new SftpAttributes { Permissions = mode & 0xFFF }, cancellationToken);

    /// <summary>SSH_FXP_MKDIR.</summary>
    public Task MkdirAsync(string path, SftpAttributes? attributes = null, CancellationToken cancellationToken = default)
        => RequestAsync((w, id) => new SftpPathAttributesRequest(SftpPacketType.Mkdir, id, path, attributes ?? SftpAttributes.Empty).Write(w), SftpReplies.Ok, cancellationToken);

    /// <summary>SSH_FXP_RMDIR.</summary>
    public Task RmdirAsync(string path, CancellationToken cancellationToken = default)
        => RequestAsync((w, id) => new SftpPathRequest(SftpPacketType.Rmdir, id, path).Write(w), SftpReplies.Ok, cancellationToken);

    /// <summary>SSH_FXP_REMOVE (a file or link).</summary>
    public Task RemoveAsync(string path, CancellationToken cancellationToken = default)
        => RequestAsync((w, id) => new SftpPathRequest(SftpPacketType.Remove, id, path).Write(w), SftpReplies.Ok, cancellationToken);

    /// <summary>
    /// Renames; with posix-rename@openssh.com (when the server has it and <paramref name="legacy"/> is false) an existing target
    /// is replaced atomically, as OpenSSH's sftp does; plain SSH_FXP_RENAME fails when the target exists.
    /// </summary>
    public Task RenameAsync(string oldPath, string newPath, bool legacy = false, CancellationToken cancellationToken = default)
    {
        if (!legacy && Extensions.ContainsKey(SftpExtensionNames.PosixRename))
        {
            return ExtendedAsync(SftpExtensionNames.PosixRename, Paths(oldPath, newPath), SftpReplies.Ok, cancellationToken);
        }
        return RequestAsync((w, id) => new SftpTwoPathRequest(SftpPacketType.Rename, id, oldPath, newPath).Write(w), SftpReplies.Ok, cancellationToken);
    }

    /// <summary>SSH_FXP_READLINK: the target of a symbolic link.</summary>
    public async Task<string> ReadLinkAsync(string path, CancellationToken cancellationToken = default)
    {
        var names = await RequestAsync((w, id) => new SftpPathRequest(SftpPacketType.Readlink, id, path).Write(w), SftpReplies.Names, cancellationToken).ConfigureAwait(false);
        if (names is not { Count: 1 }) throw new SshProtocolException("sftp: READLINK did not answer one name");
        return names[0].Name;
    }

    /// <summary>SSH_FXP_SYMLINK: makes <paramref name="linkPath"/> point at <paramref name="target"/> (sent in OpenSSH's order).</summary>
    public Task SymlinkAsync(string target, string linkPath, CancellationToken cancellationToken = default)
        => RequestAsync((w, id) => new SftpTwoPathRequest(SftpPacketType.Symlink, id, target, linkPath).Write(w), SftpReplies.Ok, cancellationToken);

    /// <summary>hardlink@openssh.com.</summary>
    public Task HardlinkAsync(string oldPath, string newPath, CancellationToken cancellationToken = default)
        => ExtendedAsync(SftpExtensionNames.Hardlink, Paths(oldPath, newPath), SftpReplies.Ok, cancellationToken);

    /// <summary>statvfs@openssh.com: the file system's sizes (`df`).</summary>
    public async Task<SftpStatVfs> StatVfsAsync(string path, CancellationToken cancellationToken = default)
    {
        RequireExtension(SftpExtensionNames.StatVfs);
        var reply = await ExtendedAsync(SftpExtensionNames.StatVfs, Paths(path), SftpReplies.Extended, cancellationToken).ConfigureAwait(false);
        var r = new SshReader(reply);
        var vfs = SftpStatVfs.Read(ref r);
        r.EnsureEnd();
        return vfs;
    }

    /// <summary>limits@openssh.com: the server's packet, read, write and handle limits.</summary>
    public async Task<SftpLimits> GetLimitsAsync(CancellationToken cancellationToken = default)
    {
        RequireExtension(SftpExtensionNames.Limits);
        var reply = await ExtendedAsync(SftpExtensionNames.Limits, ReadOnlyMemory<byte>.Empty, SftpReplies.Extended, cancellationToken).ConfigureAwait(false);
        var r = new SshReader(reply);
        var limits = SftpLimits.Read(ref r);
        r.EnsureEnd();
        return limits;
    }

    /// <summary>Lists a directory: OPENDIR, READDIR until EOF, CLOSE. "." and ".." are included as the server sends them.</summary>
    public async Task<IReadOnlyList<SftpDirectoryEntry>> ListAsync(string path, CancellationToken cancellationToken = default)
    {
        var handle = await RequestAsync((w, id) => new SftpPathRequest(SftpPacketType.Opendir, id, path).Write(w), SftpReplies.Handle, cancellationToken).ConfigureAwait(false);
        var entries = new List<SftpDirectoryEntry>();
        try
        {
            while (true)
            {
                var batch = await RequestAsync((w, id) => new SftpHandleRequest(SftpPacketType.Readdir, id, handle).Write(w), SftpReplies.Names, cancellationToken).ConfigureAwait(false);
                if (batch is null) break;
                entries.AddRange(batch);
            }
        }
        finally
        {
            await CloseHandleAsync(handle, CancellationToken.None).ConfigureAwait(false);
        }
        return entries;
    }

    /// <summary>SSH_FXP_OPEN: a file handle for <see cref="ReadAsync"/>, <see cref="WriteAsync"/>, <see cref="CloseHandleAsync"/>.</summary>
    public Task<byte[]> OpenFileAsync(string path, SftpOpenFlags flags, SftpAttributes? attributes = null, CancellationToken cancellationToken = default)
        => RequestAsync((w, id) => new SftpOpenRequest(id, path, flags, attributes ?? SftpAttributes.Empty).Write(w), SftpReplies.Handle, cancellationToken);

    /// <summary>SSH_FXP_CLOSE.</summary>
    public Task CloseHandleAsync(byte[] handle, CancellationToken cancellationToken = default)
        => RequestAsync((w, id) => new SftpHandleRequest(SftpPacketType.Close, id, handle).Write(w), SftpReplies.Ok, cancellationToken);

    /// <summary>SSH_FXP_FSTAT.</summary>
    public Task<SftpAttributes> FStatAsync(byte[] handle, CancellationToken cancellationToken = default)
        => RequestAsync((w, id) => new SftpHandleRequest(SftpPacketType.Fstat, id, handle).Write(w), SftpReplies.Attrs, cancellationToken);

    /// <summary>SSH_FXP_FSETSTAT.</summary>
    public Task FSetStatAsync(byte[] handle, SftpAttributes attributes, CancellationToken cancellationToken = default)
        => RequestAsync((w, id) => new SftpFSetStatRequest(id, handle, attributes).Write(w), SftpReplies.Ok, cancellationToken);

    /// <summary>fsync@openssh.com: flushes an open file to disk.</summary>
    public Task FsyncAsync(byte[] handle, CancellationToken cancellationToken = default)
    {
        RequireExtension(SftpExtensionNames.Fsync);
        var payload = new byte[4 + handle.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)handle.Length);
        handle.CopyTo(payload, 4);
        return ExtendedAsync(SftpExtensionNames.Fsync, payload, SftpReplies.Ok, cancellationToken);
    }

    /// <summary>One SSH_FXP_READ of at most <paramref name="buffer"/>.Length bytes at <paramref name="offset"/>; 0 at end of file.</summary>
    public async Task<int> ReadAsync(byte[] handle, long offset, byte[] buffer, CancellationToken cancellationToken = default)
    {
        var read = StartRead(handle, offset, buffer, Math.Min(buffer.Length, ReadChunkSize), SftpTransferWaits.Awaiting, out var frame);
        using (frame)
        {
            await SendAsync(frame.Written, cancellationToken).ConfigureAwait(false);
        }
        return await read.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One SSH_FXP_WRITE of <paramref name="data"/> (at most <see cref="WriteChunkSize"/> bytes) at <paramref name="offset"/>.</summary>
    public Task WriteAsync(byte[] handle, long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        if (data.Length > WriteChunkSize) throw new ArgumentOutOfRangeException(nameof(data), "larger than the server's write limit");
        return RequestAsync((w, id) => new SftpWriteRequest(id, handle, (ulong)offset, data).Write(w), SftpReplies.Ok, cancellationToken);
    }

    /// <summary>Sends SSH_FXP_EXTENDED with <paramref name="payload"/> after the name.</summary>
    internal Task<T> ExtendedAsync<T>(string name, ReadOnlyMemory<byte> payload, SftpReplyParser<T> parser, CancellationToken cancellationToken)
        => RequestAsync((w, id) => new SftpExtendedRequest(id, name, payload).Write(w), parser, cancellationToken);

    private void RequireExtension(string name)
    {
        if (!Extensions.ContainsKey(name)) throw new SftpException(SftpStatusCode.OpUnsupported, $"server does not support {name}");
    }

    /// <summary>Paths as consecutive SSH strings (the payload of the path-taking extensions).</summary>
    private static byte[] Paths(params ReadOnlySpan<string> paths)
    {
        using var buffer = new SshBuffer(256);
        foreach (var p in paths) buffer.Writer.WriteString(Encoding.UTF8.GetBytes(p));
        return buffer.ToArray();
    }
}
