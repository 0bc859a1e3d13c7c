using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Hop.Ssh.Client.Forwarding;
using Microsoft.Win32.SafeHandles;

namespace Hop.Cli.Commands;

/// <summary>
/// A Linux tun or tap device, as OpenSSH's sys_tun_open makes one: /dev/net/tun, then TUNSETIFF
/// with IFF_TUN (point-to-point) or IFF_TAP (ethernet) and IFF_NO_PI, named "tunN"/"tapN" for a
/// unit, or left for the kernel to name for any. The device lives as long as the descriptor.
/// Reads wait in poll(2) a fraction of a second at a time, so that <see cref="Dispose"/> ends a
/// reader that is waiting; the descriptor is a SafeHandle, closed once no call is using it.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed partial class LinuxTunDevice : ITunnelDevice
{
    private const string ControlDevice = "/dev/net/tun";
    private const int ORdWr = 2;
    private const int OCloExec = 0x80000;
    private const nuint TunSetIff = 0x400454ca;
    private const short IffTun = 0x0001;
    private const short IffTap = 0x0002;
    private const short IffNoPi = 0x1000;
    /// <summary>IFNAMSIZ, and sizeof(struct ifreq).</summary>
    private const int NameSize = 16;
    private const int IfreqSize = 40;
    private const short PollIn = 1;
    private const int EIntr = 4;
    private const int EAgain = 11;

    private readonly SafeFileHandle _handle;
    private volatile bool _disposed;

    private LinuxTunDevice(SafeFileHandle handle, string name)
    {
        _handle = handle;
        Name = name;
    }

    public string Name { get; }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial SafeFileHandle Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(SafeFileHandle fd, nuint request, Span<byte> ifreq);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(SafeFileHandle fd, Span<byte> buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(SafeFileHandle fd, ReadOnlySpan<byte> buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(ref PollFd fds, nuint count, int timeout);

    /// <summary>
    /// Opens the device for <paramref name="unit"/> (<paramref name="any"/>: the kernel picks);
    /// IOException with the system's reason when it cannot, after ssh's debug line.
    /// </summary>
    public static LinuxTunDevice Open(int unit, bool any, bool ethernet, Action<int, string> log)
    {
        int mode = ethernet ? 2 : 1;
        var handle = Open(ControlDevice, ORdWr | OCloExec);
        if (handle.IsInvalid)
        {
            string reason = Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
            handle.Dispose();
            log(1, $"sys_tun_open: failed to open tunnel control device \"{ControlDevice}\": {reason}");
            throw new IOException(reason);
        }
        Span<byte> ifreq = stackalloc byte[IfreqSize];
        ifreq.Clear();
        if (!any) System.Text.Encoding.ASCII.GetBytes(FormattableString.Invariant($"{(ethernet ? "tap" : "tun")}{unit}"), ifreq[..(NameSize - 1)]);
        BinaryPrimitives.WriteInt16LittleEndian(ifreq[NameSize..], (short)((ethernet ? IffTap : IffTun) | IffNoPi));
        if (Ioctl(handle, TunSetIff, ifreq) != 0)
        {
            string reason = Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
            handle.Dispose();
            log(1, FormattableString.Invariant($"sys_tun_open: failed to configure tunnel (mode {mode}): {reason}"));
            throw new IOException(reason);
        }
        var nameBytes = ifreq[..NameSize];
        int end = nameBytes.IndexOf((byte)0);
        string name = System.Text.Encoding.ASCII.GetString(end < 0 ? nameBytes : nameBytes[..end]);
        log(1, any
            ? FormattableString.Invariant($"sys_tun_open: tunnel mode {mode} fd {handle.DangerousGetHandle()}")
            : FormattableString.Invariant($"sys_tun_open: {name} mode {mode} fd {handle.DangerousGetHandle()}"));
        return new LinuxTunDevice(handle, name);
    }

    public int Read(Span<byte> buffer)
    {
        while (!_disposed)
        {
            try
            {
                bool held = false;
                int ready;
                try
                {
                    _handle.DangerousAddRef(ref held);
                    var p = new PollFd { Fd = (int)_handle.DangerousGetHandle(), Events = PollIn };
                    ready = Poll(ref p, 1, 250);
                }
                finally
                {
                    if (held) _handle.DangerousRelease();
                }
                if (ready < 0 && Marshal.GetLastPInvokeError() != EIntr) throw new IOException(Marshal.GetLastPInvokeErrorMessage());
                if (ready <= 0 || _disposed) continue;
                nint n = Read(_handle, buffer, (nuint)buffer.Length);
                if (n > 0) return (int)n;
                int errno = Marshal.GetLastPInvokeError();
                if (n < 0 && errno is EIntr or EAgain) continue;
                throw new IOException(n == 0 ? "end of file" : Marshal.GetPInvokeErrorMessage(errno));
            }
            catch (ObjectDisposedException)
            {
                break;
            }
        }
        return 0;
    }

    public void Write(ReadOnlySpan<byte> packet)
    {
        if (_disposed) throw new ObjectDisposedException(Name);
        if (Write(_handle, packet, (nuint)packet.Length) < 0) throw new IOException(Marshal.GetLastPInvokeErrorMessage());
    }

    public void Dispose()
    {
        _disposed = true;
        _handle.Dispose();
    }
}
