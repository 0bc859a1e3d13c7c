using System.Diagnostics;

namespace Hop.Ssh.Client.Forwarding;

/// <summary>
/// ProxyCommand: runs the command through the user's shell ($SHELL, else /bin/sh) with -c, as OpenSSH
/// does, with "exec" so the shell does not linger, and uses its standard input and output as the connection. Its standard error
/// stays ours. The user and host names it may expand are checked before (<see cref="Config.CommandLineNames"/>).
/// </summary>
public static partial class ProxyCommand
{
    /// <summary>The shell ssh runs proxy commands with: $SHELL when set and not empty, else /bin/sh.</summary>
    internal static string Shell => Environment.GetEnvironmentVariable("SHELL") is { Length: > 0 } shell ? shell : "/bin/sh";

    /// <summary>Starts the command (tokens already expanded) and returns its stdio as one stream.</summary>
    public static Stream Start(string command, Action<int, string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        log?.Invoke(1, $"Executing proxy command: exec {command}");
        var psi = new ProcessStartInfo(Shell)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec " + command);
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new SshConnectionException($"cannot run proxy command: {command}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new SshConnectionException($"cannot run proxy command: {e.Message}", e);
        }
        return new ProcessStream(process);
    }

    /// <summary>Reads the process's stdout, writes its stdin; disposing closes both and ends the process.</summary>
    private sealed class ProcessStream(Process process) : UnseekableStream
    {
        private readonly Stream _in = process.StandardOutput.BaseStream;
        private readonly Stream _out = process.StandardInput.BaseStream;
        private int _disposed;

        public override bool CanRead => true;
        public override bool CanWrite => true;

        public override int Read(byte[] buffer, int offset, int count) => _in.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _in.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _in.ReadAsync(buffer, offset, count, cancellationToken);
        public override void Write(byte[] buffer, int offset, int count)
        {
            _out.Write(buffer, offset, count);
            _out.Flush();
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await _out.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            await _out.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() => _out.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => _out.FlushAsync(cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                try { _out.Dispose(); } catch (IOException) { }
                _in.Dispose();
                try
                {
                    if (!process.WaitForExit(TimeSpan.FromSeconds(1))) process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }
                process.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
