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

    /// <summary>The terminal state of <paramref name="fd"/>, or null if it is not a terminal.</summary>
    private static byte[]? Save(int fd)
    {
        var saved = new byte[256];
        return tcgetattr(fd, saved) == 0 ? saved : null;
    }

    /// <summary>Sets <paramref name="saved"/> with ECHO cleared.</summary>
    private static bool TurnOff(int fd, byte[] saved)
    {
        var changed = (byte[])saved.Clone();
        int off = LflagOffset;
        uint lflag = BitConverterLE(changed, off);
        lflag &= ~Echo;
        WriteLE(changed, off, lflag);
        return tcsetattr(fd, TcsaNow, changed) == 0;
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
    /// The handlers are in place before the echo goes off: a Ctrl-C in between would end the process
    /// with the echo still off.
    /// </summary>
    public static IDisposable? Off(int fd)
    {
        if (OperatingSystem.IsWindows() || Save(fd) is not { } saved) return null;
        var off = new EchoOff(fd, saved);
        if (off.TurnOff()) return off;
        off.Dispose();
        return null;
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

        public bool TurnOff()
        {
            lock (_gate) return !_disposed && TerminalEcho.TurnOff(_fd, _saved);
        }

        private void TurnOffAgain() => TurnOff();

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
