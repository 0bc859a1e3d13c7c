using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Forwarding;

/// <summary>A long-running `hop` (a forward, -N): its stderr collected; its process tree killed on dispose.</summary>
internal sealed class HopProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly Task _errTask;
    private readonly Task _outTask;

    private HopProcess(Process process)
    {
        _process = process;
        _errTask = Task.Run(async () =>
        {
            var buffer = new char[4096];
            int n;
            while ((n = await process.StandardError.ReadAsync(buffer)) > 0) lock (_stderr) _stderr.Append(buffer, 0, n);
        });
        _outTask = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
    }

    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Starts `hop` (or <paramref name="program"/>, e.g. OpenSSH's ssh for a comparison) with <paramref name="args"/>.</summary>
    public static HopProcess Start(IEnumerable<string> args, string? program = null)
    {
        var psi = new ProcessStartInfo(program ?? TestPaths.HopBinary)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("SSH_AUTH_SOCK");
        psi.Environment.Remove("DISPLAY");
        var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start hop");
        return new HopProcess(p);
    }

    /// <summary>
    /// Starts `hop ssh` or OpenSSH's ssh (<paramref name="program"/> is <see cref="TestPaths.HopBinary"/>
    /// or /usr/bin/ssh) against <paramref name="sshd"/> with -N, ExitOnForwardFailure=yes and
    /// <paramref name="forwardArgs"/>, each with its own options for that sshd.
    /// </summary>
    public static async Task<HopProcess> StartForwardAsync(SshdServer sshd, string program, params string[] forwardArgs)
    {
        bool openSsh = program != TestPaths.HopBinary;
        List<string> args = openSsh
            ? await sshd.OpenSshArgsAsync()
            : (await Cli.HopCli.SshArgsAsync(sshd.Port, sshd.User, sshd.KnownHostsPath))[1..];
        args.InsertRange(0, ["-N", "-o", "ExitOnForwardFailure=yes", .. forwardArgs]);
        if (!openSsh) args.Insert(0, "ssh");
        return Start(args, program);
    }

    /// <summary>Waits until something accepts on 127.0.0.1:<paramref name="port"/>; fails early when hop exits.</summary>
    public async Task WaitForPortAsync(int port, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"hop exited {_process.ExitCode} before port {port} was ready: {Stderr}");
            using var c = new TcpClient();
            try
            {
                await c.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"port {port} not ready: {Stderr}");
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Waits until stderr holds <paramref name="text"/>.</summary>
    public Task<string> WaitForStderrAsync(string text, TimeSpan? timeout = null)
        => WaitForStderrAsync(s => s.Contains(text, StringComparison.Ordinal), $"'{text}'", timeout);

    /// <summary>Waits until stderr satisfies <paramref name="done"/> (<paramref name="what"/> names it in errors).</summary>
    public async Task<string> WaitForStderrAsync(Func<string, bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!done(Stderr))
        {
            if (_process.HasExited) throw new InvalidOperationException($"hop exited {_process.ExitCode}: {Stderr}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no {what} on stderr: {Stderr}");
            await Task.Delay(50);
        }
        return Stderr;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        await _errTask.WaitAsync(TimeSpan.FromSeconds(5));
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
        }
        try { await Task.WhenAll(_errTask, _outTask).WaitAsync(TimeSpan.FromSeconds(5)); } catch (Exception e) when (e is IOException or TimeoutException or OperationCanceledException) { }
        _process.Dispose();
    }
}

/// <summary>A TCP server on 127.0.0.1 (or ::1) that echoes every connection back, or answers one HTTP request.</summary>
internal sealed class TestTcpServer : IAsyncDisposable
{
    public const string HttpBody = "hello through the tunnel\n";
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private TestTcpServer(TcpListener listener, bool http)
    {
        _listener = listener;
        _loop = Task.Run(() => AcceptAsync(http));
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public int Connections;

    public static TestTcpServer StartEcho(IPAddress? address = null) => Start(address ?? IPAddress.Loopback, http: false);
    public static TestTcpServer StartHttp(IPAddress? address = null) => Start(address ?? IPAddress.Loopback, http: true);

    private static TestTcpServer Start(IPAddress address, bool http)
    {
        var l = new TcpListener(address, 0);
        l.Start(256);
        return new TestTcpServer(l, http);
    }

    private async Task AcceptAsync(bool http)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient c;
            try
            {
                c = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            Interlocked.Increment(ref Connections);
            _ = Task.Run(() => (http ? ServeHttpAsync(c) : EchoAsync(c)));
        }
    }

    private async Task EchoAsync(TcpClient c)
    {
        using (c)
        {
            try
            {
                var s = c.GetStream();
                await s.CopyToAsync(s, _stop.Token);
                c.Client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task ServeHttpAsync(TcpClient c)
    {
        using (c)
        {
            try
            {
                var s = c.GetStream();
                var request = new List<byte>();
                var buffer = new byte[1024];
                while (!Encoding.ASCII.GetString(request.ToArray()).Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    int n = await s.ReadAsync(buffer, _stop.Token);
                    if (n == 0) return;
                    request.AddRange(buffer.AsSpan(0, n).ToArray());
                }
                var body = Encoding.ASCII.GetBytes(HttpBody);
                await s.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"), _stop.Token);
                await s.WriteAsync(body, _stop.Token);
                c.Client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try { await _loop.WaitAsync(TimeSpan.FromSeconds(5)); } catch (Exception e) when (e is OperationCanceledException or TimeoutException) { }
        _stop.Dispose();
    }
}

internal static class Transfer
{
    /// <summary>Sends <paramref name="data"/> to 127.0.0.1:<paramref name="port"/> while reading the echo; returns what came back.</summary>
    public static Task<byte[]> EchoAsync(int port, byte[] data, TimeSpan timeout) => EchoAsync(IPAddress.Loopback, port, data, timeout);

    /// <summary>As above, to <paramref name="address"/> (::1 for a listener on IPv6 loopback only).</summary>
    public static async Task<byte[]> EchoAsync(IPAddress address, int port, byte[] data, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var c = new TcpClient(address.AddressFamily);
        await c.ConnectAsync(address, port, cts.Token);
        var s = c.GetStream();
        var send = Task.Run(async () =>
        {
            for (int off = 0; off < data.Length; off += 64 * 1024)
                await s.WriteAsync(data.AsMemory(off, Math.Min(64 * 1024, data.Length - off)), cts.Token);
            c.Client.Shutdown(SocketShutdown.Send);
        });
        var received = new MemoryStream();
        await s.CopyToAsync(received, cts.Token);
        await send;
        return received.ToArray();
    }

    /// <summary>Echoes through a forward on <paramref name="address"/>, retrying while its listener is not up yet.</summary>
    public static async Task<byte[]> EchoWhenReadyAsync(HopProcess client, IPAddress address, int port, byte[] data)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                return await EchoAsync(address, port, data, TimeSpan.FromSeconds(60));
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !client.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }
}
