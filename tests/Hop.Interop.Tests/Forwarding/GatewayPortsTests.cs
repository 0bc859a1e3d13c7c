using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Hop.Interop.Tests.Cli;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Forwarding;

/// <summary>
/// -g / GatewayPorts: where a forward's listener binds, read from the kernel's socket tables, for
/// hop and OpenSSH's ssh side by side. Without -g only loopback is bound, which these tests check
/// in the machine's own network namespace. Anything that binds the wildcard address runs in a
/// network namespace of its own (unshare -n, with only `lo` up), so nothing here ever listens
/// beyond loopback on the machine.
/// </summary>
public class GatewayPortsTests : IAsyncLifetime
{
    private const string OpenSsh = "/usr/bin/ssh";
    private SshdServer _sshd = null!;

    public async Task InitializeAsync() => _sshd = await SshdServer.StartAsync(["GatewayPorts no"]);
    public async Task DisposeAsync() => await _sshd.DisposeAsync();

    private static string P(int port) => port.ToString(CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("", "127.0.0.1 ::1")]
    [InlineData("localhost:", "127.0.0.1 ::1")]
    [InlineData("127.0.0.1:", "127.0.0.1")]
    [InlineData("[::1]:", "::1")]
    public async Task WithoutGatewayPortsALocalForwardListensOnLoopbackOnly(string bind, string listening)
    {
        await using var echo = TestTcpServer.StartEcho();
        foreach (var program in new[] { TestPaths.HopBinary, OpenSsh })
        {
            int port = TestPaths.FreeTcpPort();
            await using var client = await HopProcess.StartForwardAsync(_sshd, program, "-L", $"{bind}{P(port)}:127.0.0.1:{P(echo.Port)}");
            var data = RandomNumberGenerator.GetBytes(64 * 1024);
            var address = listening == "::1" ? IPAddress.IPv6Loopback : IPAddress.Loopback;
            Assert.Equal(data, await Transfer.EchoWhenReadyAsync(client, address, port, data));
            // A connection was served, so every listener of the forward is up.
            Assert.Equal((program, listening), (program, ListeningSockets.Read(port)));
        }
    }

    [Fact]
    public async Task WithoutGatewayPortsADynamicForwardListensOnLoopbackOnly()
    {
        await using var echo = TestTcpServer.StartEcho();
        foreach (var program in new[] { TestPaths.HopBinary, OpenSsh })
        {
            int port = TestPaths.FreeTcpPort();
            await using var client = await HopProcess.StartForwardAsync(_sshd, program, "-D", P(port));
            await client.WaitForPortAsync(port);
            var data = RandomNumberGenerator.GetBytes(64 * 1024);
            Assert.Equal(data, await ConfigForwardingTests.Socks5EchoAsync(port, "127.0.0.1", echo.Port, data));
            Assert.Equal((program, "127.0.0.1 ::1"), (program, ListeningSockets.Read(port)));
        }
    }

    /// <summary>
    /// In a network namespace of its own: an sshd with GatewayPorts clientspecified, and for each
    /// case hop, then ssh, with a forward to that sshd's own port; once the forward has carried the
    /// sshd banner, the listening addresses are read. -g and GatewayPorts=yes open local forwards
    /// to every address; an explicit bind address wins over them; -g does not touch a -R.
    /// </summary>
    [Fact]
    public async Task WithGatewayPortsTheListenerBindsTheWildcardInsideANamespace()
    {
        (string Name, string Args, string Listening)[] cases =
        [
            ("L", "-L {0}:127.0.0.1:{1}", "127.0.0.1 ::1"),
            ("g-L", "-g -L {0}:127.0.0.1:{1}", "0.0.0.0 ::"),
            ("gatewayports-L", "-o GatewayPorts=yes -L {0}:127.0.0.1:{1}", "0.0.0.0 ::"),
            ("g-L-loopback4", "-g -L 127.0.0.1:{0}:127.0.0.1:{1}", "127.0.0.1"),
            ("g-L-localhost", "-g -L localhost:{0}:127.0.0.1:{1}", "127.0.0.1 ::1"),
            ("star-L", "-L *:{0}:127.0.0.1:{1}", "0.0.0.0 ::"),
            ("any4-L", "-L 0.0.0.0:{0}:127.0.0.1:{1}", "0.0.0.0"),
            ("g-R", "-g -R {0}:127.0.0.1:{1}", "127.0.0.1 ::1"),
            ("star-R", "-R *:{0}:127.0.0.1:{1}", "0.0.0.0 ::"),
            ("loopback4-R", "-R 127.0.0.1:{0}:127.0.0.1:{1}", "127.0.0.1"),
        ];
        const int SshdPort = 2222;
        var dir = Directory.CreateTempSubdirectory("hop-netns-").FullName;
        var keys = await TestKeys.DirectoryAsync();
        Directory.CreateDirectory("/run/sshd");
        var pub = File.ReadAllText(Path.Combine(keys, "host_ed25519.pub")).Trim().Split(' ');
        File.WriteAllText(Path.Combine(dir, "known_hosts"), $"[127.0.0.1]:{SshdPort} {pub[0]} {pub[1]}\n");
        File.Copy(await TestKeys.UserKeyAsync("ed25519") + ".pub", Path.Combine(dir, "authorized_keys"));
        File.WriteAllLines(Path.Combine(dir, "sshd_config"),
        [
            $"Port {SshdPort}", "ListenAddress 127.0.0.1", $"HostKey {Path.Combine(keys, "host_ed25519")}",
            $"PidFile {Path.Combine(dir, "sshd.pid")}", "UsePAM no", "StrictModes no",
            $"AuthorizedKeysFile {Path.Combine(dir, "authorized_keys")}", "PermitRootLogin yes",
            "AllowTcpForwarding yes", "GatewayPorts clientspecified", "LogLevel DEBUG1",
        ]);
        string common = $"-F /dev/null -p {SshdPort} -i {await TestKeys.UserKeyAsync("ed25519")} -o IdentitiesOnly=yes -o BatchMode=yes " +
            $"-o UserKnownHostsFile={dir}/known_hosts -o StrictHostKeyChecking=yes -o ExitOnForwardFailure=yes -N";
        var script = new StringBuilder($$"""
            set -u
            ip link set lo up || exit 3
            # Outgoing connections take their ports above the forwards' (40000 on), which they could
            # otherwise hold for a moment when a forward binds.
            echo "50000 60999" > /proc/sys/net/ipv4/ip_local_port_range || exit 4
            /usr/sbin/sshd -D -f {{dir}}/sshd_config -E {{dir}}/sshd.log & sshd=$!
            trap 'kill $sshd 2>/dev/null' EXIT
            banner() { exec 3<>/dev/tcp/127.0.0.1/$1 && read -t 20 -r line <&3 && exec 3<&- && [[ $line == SSH-2.0-* ]]; }
            for i in $(seq 400); do (banner {{SshdPort}}) 2>/dev/null && break; sleep 0.05; done
            run() {
              local name=$1 port=$2; shift 2
              "$@" 2>{{dir}}/$name.err & local pid=$! ready=notready
              for i in $(seq 600); do
                if (banner $port) 2>/dev/null; then ready=ready; break; fi
                kill -0 $pid 2>/dev/null || break
                sleep 0.05
              done
              echo "CASE $name $port $ready"; cat /proc/net/tcp; echo TCP6; cat /proc/net/tcp6; echo END
              kill $pid 2>/dev/null; wait $pid 2>/dev/null
            }

            """);
        int next = 40000;
        var ports = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (name, args, _) in cases)
        {
            foreach (var (program, prefix) in new[] { ("hop", $"{TestPaths.HopBinary} ssh"), ("ssh", OpenSsh) })
            {
                int port = next++;
                ports[$"{program}:{name}"] = port;
                script.AppendLine(CultureInfo.InvariantCulture, $"run {program}-{name} {port} {prefix} {common} {string.Format(CultureInfo.InvariantCulture, args, port, SshdPort)} root@127.0.0.1");
            }
        }
        var scriptPath = Path.Combine(dir, "netns.sh");
        File.WriteAllText(scriptPath, script.ToString());
        var r = await ProcessRunner.RunAsync("/usr/bin/unshare", ["-n", "/bin/bash", scriptPath], timeout: TimeSpan.FromSeconds(240));
        Assert.True(r.ExitCode == 0, r.ToString());

        var found = ParseCases(r.Stdout);
        foreach (var (name, _, listening) in cases)
        {
            foreach (var program in new[] { "hop", "ssh" })
            {
                string key = $"{program}-{name}";
                string err = File.Exists(Path.Combine(dir, key + ".err")) ? File.ReadAllText(Path.Combine(dir, key + ".err")) : "";
                Assert.True(found.TryGetValue(key, out var got), $"{key} did not run: {r}");
                Assert.True(got.Ready, $"{key}: the forward never carried the banner: {err}");
                Assert.Equal((key, listening), (key, ListeningSockets.Parse(got.Tcp, got.Tcp6, ports[$"{program}:{name}"])));
            }
        }
        try { Directory.Delete(dir, true); } catch (IOException) { }
    }

    private static Dictionary<string, (bool Ready, string Tcp, string Tcp6)> ParseCases(string output)
    {
        var result = new Dictionary<string, (bool, string, string)>(StringComparer.Ordinal);
        var lines = output.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("CASE ", StringComparison.Ordinal)) continue;
            var head = lines[i].Split(' ');
            var tcp = new StringBuilder();
            var tcp6 = new StringBuilder();
            var into = tcp;
            for (i++; i < lines.Length && lines[i] != "END"; i++)
            {
                if (lines[i] == "TCP6") into = tcp6;
                else into.Append(lines[i]).Append('\n');
            }
            result[head[1]] = (head[3] == "ready", tcp.ToString(), tcp6.ToString());
        }
        return result;
    }
}
