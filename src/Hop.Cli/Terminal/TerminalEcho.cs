using System.Runtime.InteropServices;

namespace Hop.Cli.Terminal;

/// <summary>
/// Turns a terminal's echo off and back on through termios. The struct is kept as opaque bytes
/// (its layout differs between Linux and macOS); only c_lflag's ECHO bit is touched.
/// </summary>
internal static partial class TerminalEcho
{
    private const uint Echo = 0x8;
    private const int TcsaNow = 0;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int tcgetattr(int fd, Span<byte> termios);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int tcsetattr(int fd, int action, ReadOnlySpan<byte> termios);

    private static int LflagOffset => OperatingSystem.IsMacOS() ? 24 : 12;

    /// <summary>Disables echo on <paramref name="fd"/>; returns the saved state to restore, or null if it is not a terminal.</summary>
    public static byte[]? Disable(int fd)
    {
        if (OperatingSystem.IsWindows()) return null;
        var saved = new byte[256];
        if (tcgetattr(fd, saved) != 0) return null;
        var changed = (byte[])saved.Clone();
        int off = LflagOffset;
        uint lflag = BitConverterLE(changed, off);
        lflag &= ~Echo;
        WriteLE(changed, off, lflag);
        return tcsetattr(fd, TcsaNow, changed) == 0 ? saved : null;
    }

    public static void Restore(int fd, byte[] saved)
    {
        if (OperatingSystem.IsWindows()) return;
        _ = tcsetattr(fd, TcsaNow, saved);
    }

    /// <summary>
    /// Echo off on <paramref name="fd"/> until disposed, with readpassphrase's care for signals: Ctrl-C,
    /// SIGTERM, SIGHUP and SIGQUIT put the echo back before their default action ends the process, Ctrl-Z
    /// before it stops it, and SIGCONT turns it off again. Null when <paramref name="fd"/> is not a terminal.
    /// </summary>
    public static IDisposable? Off(int fd)
    {
        if (OperatingSystem.IsWindows() || Disable(fd) is not { } saved) return null;
        return new EchoOff(fd, saved);
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private sealed class EchoOff : IDisposable
    {
        private readonly int _fd;
        private readonly byte[] _saved;
        private readonly PosixSignalRegistration[] _signals;
        private readonly Lock _gate = new();
        private bool _disposed;

        public EchoOff(int fd, byte[] saved)
        {
            _fd = fd;
            _saved = saved;
            _signals =
            [
                .. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT, PosixSignal.SIGTSTP }
                    .Select(s => PosixSignalRegistration.Create(s, _ => PutBack())),
                PosixSignalRegistration.Create(PosixSignal.SIGCONT, _ => TurnOffAgain()),
            ];
        }

        private void PutBack()
        {
            lock (_gate) Restore(_fd, _saved);
        }

        private void TurnOffAgain()
        {
            lock (_gate)
            {
                if (!_disposed) Disable(_fd);
            }
        }

        public void Dispose()
        {
            foreach (var s in _signals) s.Dispose();
            lock (_gate)
            {
                _disposed = true;
                Restore(_fd, _saved);
            }
        }
    }

    private static uint BitConverterLE(byte[] b, int off) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(off));

    private static void WriteLE(byte[] b, int off, uint v) => System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(off), v);
}
