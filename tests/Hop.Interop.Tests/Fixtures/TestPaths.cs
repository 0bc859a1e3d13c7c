namespace Hop.Interop.Tests.Fixtures;

/// <summary>Where the repository, the built `hop` and a per-run scratch folder are.</summary>
public static class TestPaths
{
    private static readonly Lazy<string> Root = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Hop.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Hop.slnx not found above " + AppContext.BaseDirectory);
    });

    public static string RepoRoot => Root.Value;

    /// <summary>The `hop` to test: $HOP_BIN when set (the AOT binary), else the Release build.</summary>
    public static string HopBinary
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("HOP_BIN");
            if (!string.IsNullOrEmpty(env)) return env;
            return Path.Combine(RepoRoot, "src", "Hop.Cli", "bin", "Release", "net10.0", "hop");
        }
    }

    /// <summary>A fresh temporary directory of mode 0700.</summary>
    public static string NewTempDir(string prefix = "hop-test-")
    {
        var d = Directory.CreateTempSubdirectory(prefix).FullName;
        File.SetUnixFileMode(d, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return d;
    }

    public static int FreeTcpPort()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        int port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public static async Task WaitForPortAsync(int port, TimeSpan timeout, Func<string>? diagnostics = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            using var c = new System.Net.Sockets.TcpClient();
            try
            {
                await c.ConnectAsync(System.Net.IPAddress.Loopback, port);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"nothing listens on 127.0.0.1:{port} after {timeout}. {diagnostics?.Invoke()}");
                await Task.Delay(20);
            }
        }
    }
}
