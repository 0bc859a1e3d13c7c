using System.Diagnostics;
using System.Globalization;
using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Forwarding;

/// <summary>
/// A hostile server (AsyncSSH, scripted) opens forwarded-tcpip channels on its own: only one for an
/// address and port we asked for with -R is accepted; the others are refused.
/// </summary>
public class UnrequestedForwardTests
{
    private const string Script = """
        import asyncio, sys
        import asyncssh

        class Server(asyncssh.SSHServer):
            def server_requested(self, listen_host, listen_port):
                return True

        async def handle(process):
            conn = process.get_extra_info('connection')
            out = []
            for spec in process.command.split():
                host, port = spec.rsplit(':', 1)
                try:
                    reader, writer = await conn.open_connection(host, int(port), '127.0.0.1', 40000)
                    writer.close()
                    out.append('accepted')
                except asyncssh.ChannelOpenError as e:
                    out.append('refused%d' % e.code)
            process.stdout.write(' '.join(out) + '\n')
            process.exit(0)

        async def main():
            port, hostkey, keys = int(sys.argv[1]), sys.argv[2], sys.argv[3]
            await asyncssh.create_server(Server, '127.0.0.1', port, server_host_keys=[hostkey],
                                         authorized_client_keys=keys, process_factory=handle)
            print('READY', flush=True)
            await asyncio.Event().wait()

        asyncio.run(main())
        """;

    [Fact]
    public async Task ForwardedChannelsWeNeverAskedForAreRefused()
    {
        var keys = await TestKeys.DirectoryAsync();
        var dir = TestPaths.NewTempDir();
        var script = Path.Combine(dir, "server.py");
        File.WriteAllText(script, Script);
        int port = TestPaths.FreeTcpPort();
        var pub = File.ReadAllText(Path.Combine(keys, "host_ed25519.pub")).Trim().Split(' ');
        var known = Path.Combine(dir, "known_hosts");
        File.WriteAllText(known, $"[127.0.0.1]:{port} {pub[0]} {pub[1]}\n");
        var psi = new ProcessStartInfo("/usr/bin/python3") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["PYTHONWARNINGS"] = "ignore";
        foreach (var a in new[] { script, port.ToString(CultureInfo.InvariantCulture), Path.Combine(keys, "host_ed25519"), await TestKeys.UserKeyAsync("ed25519") + ".pub" }) psi.ArgumentList.Add(a);
        using var server = Process.Start(psi) ?? throw new InvalidOperationException("python3 did not start");
        try
        {
            _ = server.StandardError.ReadToEndAsync();
            using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
                Assert.Equal("READY", await server.StandardOutput.ReadLineAsync(cts.Token));

            await using var echo = TestTcpServer.StartEcho();
            int requested = TestPaths.FreeTcpPort();
            string r = requested.ToString(CultureInfo.InvariantCulture);
            string other = (requested == 65535 ? requested - 1 : requested + 1).ToString(CultureInfo.InvariantCulture);
            var args = await HopCli.SshArgsAsync(port, TestUser.Name, known);
            args.InsertRange(1, ["-R", $"127.0.0.1:{r}:127.0.0.1:{echo.Port.ToString(CultureInfo.InvariantCulture)}"]);
            args.Add($"127.0.0.1:{r} 127.0.0.1:{other} 10.1.2.3:{r} localhost:{r}");
            var result = await HopCli.RunAsync(args, timeout: TimeSpan.FromSeconds(30));
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal("accepted refused1 refused1 refused1\n", result.Stdout);

            // Without any -R, every forwarded channel is refused.
            var plain = await HopCli.SshArgsAsync(port, TestUser.Name, known);
            plain.Add($"127.0.0.1:{r}");
            result = await HopCli.RunAsync(plain, timeout: TimeSpan.FromSeconds(30));
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.StartsWith("refused", result.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }
}
