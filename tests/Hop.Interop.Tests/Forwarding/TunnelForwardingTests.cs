using System.Text;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Forwarding;

/// <summary>
/// -w / Tunnel against OpenSSH's sshd, hop and OpenSSH's ssh side by side, all inside network
/// namespaces the test makes and that die with it: the client's (unshare -n) and the server's (a
/// second unshare -n inside it), joined by a veth pair that carries the SSH connection only. Each
/// side's tun (tap) device lives in its own namespace, where the only way to the other side's
/// tunnel address is the device: a UDP datagram sent from the client's namespace to the server's
/// tunnel address and echoed back (reversed) proves that packets crossed the tunnel both ways.
/// </summary>
public class TunnelForwardingTests
{
    private const string OpenSsh = "/usr/bin/ssh";

    /// <summary>A UDP echo (reversing what it gets) and a sender that prints the reply; 15 s timeouts.</summary>
    private const string UdpScript = """
        import socket, sys
        family = socket.AF_INET6 if ':' in sys.argv[2] else socket.AF_INET
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.settimeout(15)
        if sys.argv[1] == 'echo':
            s.bind((sys.argv[2], int(sys.argv[3])))
            print('listening', flush=True)
            data, peer = s.recvfrom(65535)
            s.sendto(data[::-1], peer)
        else:
            s.sendto(sys.argv[4].encode(), (sys.argv[2], int(sys.argv[3])))
            data, peer = s.recvfrom(65535)
            print(data.decode(), flush=True)
        """;

    private static async Task<(Dictionary<string, string> Results, string Dir, ProcessResult Run)> RunAsync(string cases)
    {
        var dir = Directory.CreateTempSubdirectory("hop-tunnel-").FullName;
        var keys = await TestKeys.DirectoryAsync();
        Directory.CreateDirectory("/run/sshd");
        var pub = File.ReadAllText(Path.Combine(keys, "host_ed25519.pub")).Trim().Split(' ');
        File.WriteAllText(Path.Combine(dir, "known_hosts"), $"[192.168.77.2]:2222 {pub[0]} {pub[1]}\n[192.168.77.2]:2223 {pub[0]} {pub[1]}\n");
        File.Copy(await TestKeys.UserKeyAsync("ed25519") + ".pub", Path.Combine(dir, "authorized_keys"));
        File.WriteAllText(Path.Combine(dir, "udp.py"), UdpScript);
        foreach (var (port, permit) in new[] { (2222, "yes"), (2223, "no") })
        {
            File.WriteAllLines(Path.Combine(dir, $"sshd_config_{port}"),
            [
                $"Port {port}", "ListenAddress 192.168.77.2", $"HostKey {Path.Combine(keys, "host_ed25519")}",
                $"PidFile {Path.Combine(dir, $"sshd{port}.pid")}", "UsePAM no", "StrictModes no",
                $"AuthorizedKeysFile {Path.Combine(dir, "authorized_keys")}", "PermitRootLogin yes",
                $"PermitTunnel {permit}", "LogLevel DEBUG1",
            ]);
        }
        var script = new StringBuilder($$"""
            set -u
            D={{dir}}
            ip link set lo up || exit 3
            unshare -n sleep 600 & holder=$!
            trap 'kill $holder 2>/dev/null' EXIT
            for i in $(seq 200); do [ "$(readlink /proc/$holder/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break; sleep 0.02; done
            B="nsenter --net=/proc/$holder/ns/net"
            ip link add hopva type veth peer name hopvb || exit 4
            ip link set hopvb netns $holder || exit 5
            ip addr add 192.168.77.1/24 dev hopva && ip link set hopva up || exit 6
            $B ip link set lo up && $B ip addr add 192.168.77.2/24 dev hopvb && $B ip link set hopvb up || exit 7
            $B /usr/sbin/sshd -D -f $D/sshd_config_2222 -E $D/sshd2222.log & sshd1=$!
            $B /usr/sbin/sshd -D -f $D/sshd_config_2223 -E $D/sshd2223.log & sshd2=$!
            trap 'kill $sshd1 $sshd2 $holder 2>/dev/null' EXIT
            banner() { exec 3<>/dev/tcp/192.168.77.2/$1 && read -t 20 -r line <&3 && exec 3<&- && [[ $line == SSH-2.0-* ]]; }
            for p in 2222 2223; do for i in $(seq 400); do (banner $p) 2>/dev/null && break; sleep 0.05; done; done
            COMMON="-F /dev/null -i {{await TestKeys.UserKeyAsync("ed25519")}} -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=$D/known_hosts -o StrictHostKeyChecking=yes"
            udp() { # NAME ADDR: an echo in the server's namespace, a datagram from the client's
              rm -f $D/echo.out
              $B /usr/bin/python3 $D/udp.py echo $2 9999 > $D/echo.out 2>&1 & local echo=$!
              for i in $(seq 200); do grep -q listening $D/echo.out 2>/dev/null && break; sleep 0.05; done
              echo "RESULT $1 $(/usr/bin/python3 $D/udp.py send $2 9999 hello-$1 2>&1 | tail -1)"
              wait $echo
            }
            tunnel() { # NAME MODE L R CLIENT...: a tunnel up, addressed, carrying a datagram each way, then the client ended
              local name=$1 mode=$2 L=$3 R=$4; shift 4
              "$@" $COMMON -p 2222 -N -o Tunnel=$mode -w 5:6 root@192.168.77.2 2>$D/$name.err & local client=$!
              local found=no
              for i in $(seq 400); do ip link show $L >/dev/null 2>&1 && $B ip link show $R >/dev/null 2>&1 && found=yes && break; kill -0 $client 2>/dev/null || break; sleep 0.05; done
              echo "RESULT $name-devices $found"
              if [ $mode = ethernet ]; then
                ip addr add 10.99.0.1/24 dev $L; $B ip addr add 10.99.0.2/24 dev $R
                ip link set $L up; $B ip link set $R up
              else
                ip addr add 10.99.0.1 peer 10.99.0.2 dev $L; $B ip addr add 10.99.0.2 peer 10.99.0.1 dev $R
                ip -6 addr add fd00:99::1 dev $L nodad; $B ip -6 addr add fd00:99::2 dev $R nodad
                ip link set $L up; $B ip link set $R up
                ip -6 route replace fd00:99::2 dev $L; $B ip -6 route replace fd00:99::1 dev $R
              fi
              udp $name-v4 10.99.0.2
              if [ $mode != ethernet ]; then udp $name-v6 fd00:99::2; fi
              echo "RESULT $name-rx $(ip -s link show $L | awk 'NR==4 {print $2}')"
              kill $client; wait $client 2>/dev/null
              local gone=no
              for i in $(seq 100); do ip link show $L >/dev/null 2>&1 || { gone=yes; break; }; sleep 0.05; done
              echo "RESULT $name-gone $gone"
            }
            refused() { # NAME PORT COMMAND CLIENT...: a tunnel that cannot be set up, with a command
              local name=$1 port=$2 command=$3; shift 3
              timeout 30 "$@" $COMMON -p $port -w 5:6 root@192.168.77.2 "$command" >$D/$name.out 2>$D/$name.err
              echo "RESULT $name-exit $?"
            }

            """);
        script.Append(cases);
        var scriptPath = Path.Combine(dir, "tunnel.sh");
        File.WriteAllText(scriptPath, script.ToString());
        var r = await ProcessRunner.RunAsync("/usr/bin/unshare", ["-n", "/bin/bash", scriptPath], timeout: TimeSpan.FromSeconds(240));
        Assert.True(r.ExitCode == 0, r.ToString());
        var results = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in r.Stdout.Split('\n'))
        {
            var words = line.Split(' ', 3);
            if (words.Length == 3 && words[0] == "RESULT") results[words[1]] = words[2];
        }
        return (results, dir, r);
    }

    private static string Hop => TestPaths.HopBinary + " ssh";

    private static string Read(string dir, string file) => File.Exists(Path.Combine(dir, file)) ? File.ReadAllText(Path.Combine(dir, file)) : "";

    [Fact]
    public async Task PointToPointAndEthernetTunnelsCarryPacketsBothWaysAsSshs()
    {
        var (results, dir, run) = await RunAsync($"""
            tunnel hop-tun point-to-point tun5 tun6 {Hop}
            tunnel ssh-tun point-to-point tun5 tun6 {OpenSsh}
            tunnel hop-tap ethernet tap5 tap6 {Hop}
            tunnel ssh-tap ethernet tap5 tap6 {OpenSsh}
            """);
        try
        {
            foreach (var program in new[] { "ssh", "hop" })
            {
                foreach (var kind in new[] { "tun", "tap" })
                {
                    string name = $"{program}-{kind}";
                    string context = $"{name}: {run}\nclient: {Read(dir, name + ".err")}\nsshd: {Read(dir, "sshd2222.log")}";
                    Assert.True(results.GetValueOrDefault(name + "-devices") == "yes", context);
                    // The echo reverses the datagram: it went through the tunnel and came back.
                    Assert.True(results.GetValueOrDefault(name + "-v4") == $"4v-{Reverse(name)}-olleh", context);
                    if (kind == "tun") Assert.True(results.GetValueOrDefault(name + "-v6") == $"6v-{Reverse(name)}-olleh", context);
                    // The device's own count of packets it took from the tunnel (sysfs here is the machine's, not the namespace's).
                    Assert.True(int.TryParse(results.GetValueOrDefault(name + "-rx"), out int rx) && rx >= (kind == "tun" ? 2 : 1), context);
                    Assert.True(results.GetValueOrDefault(name + "-gone") == "yes", context);
                }
            }
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    private static string Reverse(string s) => new([.. s.Reverse()]);

    /// <summary>
    /// A server with PermitTunnel no, and a local device that cannot be made (tun5 already exists as a
    /// tap device): the same messages as ssh (hop's fatal line after "hop: "), the same exit codes;
    /// without ExitOnForwardFailure the command still runs.
    /// </summary>
    [Fact]
    public async Task RefusedTunnelsAreReportedAsSshReportsThem()
    {
        var (results, dir, run) = await RunAsync($"""
            for p in hop ssh; do
              if [ $p = hop ]; then c="{Hop}"; else c={OpenSsh}; fi
              refused $p-denied 2223 "echo ran" $c
              refused $p-denied-exit 2223 "echo ran" $c -o ExitOnForwardFailure=yes
              ip tuntap add dev tun5 mode tap
              refused $p-busy 2222 "echo ran" $c
              refused $p-busy-exit 2222 "echo ran" $c -o ExitOnForwardFailure=yes
              ip tuntap del dev tun5 mode tap
            done
            """);
        try
        {
            static string Normal(string s) => s.Replace("\r", "", StringComparison.Ordinal).Replace("hop: ", "", StringComparison.Ordinal).Trim();
            foreach (var (name, exit, ran, message) in new[]
            {
                ("denied", "0", true, "channel 0: open failed: connect failed: open failed\nTunnel forwarding failed"),
                ("denied-exit", "255", false, "channel 0: open failed: connect failed: open failed\nTunnel forwarding failed"),
                ("busy", "0", true, "Tunnel device open failed.\nCould not request tunnel forwarding."),
                ("busy-exit", "255", false, "Tunnel device open failed.\nCould not request tunnel forwarding."),
            })
            {
                foreach (var program in new[] { "ssh", "hop" })
                {
                    string key = $"{program}-{name}";
                    string context = $"{key}: {run}\nstderr: {Read(dir, key + ".err")}";
                    Assert.True(results.GetValueOrDefault(key + "-exit") == exit, context);
                    Assert.True(Read(dir, key + ".out") == (ran ? "ran\n" : ""), context);
                    Assert.True(Normal(Read(dir, key + ".err")) == message, context);
                }
            }
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }
}
