using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Hop.Ssh.Config;
using Hop.Ssh.Keys;

namespace Hop.Interop.Tests.Config;

/// <summary>
/// known_hosts lines made by ssh-keyscan (plain and -H hashed) for a throwaway sshd on 127.0.0.1 are read by
/// KnownHosts.Check; lines we write with KnownHosts.Add are accepted by OpenSSH's ssh for the same server.
/// </summary>
public sealed class KnownHostsSshdTests : IClassFixture<KnownHostsSshdTests.Server>
{
    private readonly string _dir;
    private readonly int _port;
    private readonly Dictionary<string, SshPublicKey> _hostKeys;

    public KnownHostsSshdTests(Server server)
    {
        _dir = server.Dir;
        _port = server.Port;
        _hostKeys = server.HostKeys;
    }

    /// <summary>One throwaway sshd for the class, stopped by its process id afterwards.</summary>
    public sealed class Server : IDisposable
    {
        public string Dir { get; } = Directory.CreateTempSubdirectory("hop-khsshd-").FullName;
        public int Port { get; }
        public Dictionary<string, SshPublicKey> HostKeys { get; } = [];
        private readonly string _dir;
        private readonly Process _sshd;
        private readonly int _port;
        private readonly Dictionary<string, SshPublicKey> _hostKeys;

        public Server()
        {
            _dir = Dir;
            _hostKeys = HostKeys;
            foreach (string type in new[] { "ed25519", "ecdsa", "rsa" })
            {
                string path = Path.Combine(_dir, "host_" + type);
                Assert.Equal(0, Peer.Keygen("-q", "-t", type, "-N", "", "-f", path).ExitCode);
                _hostKeys[type] = SshPublicKey.FromBlob(Convert.FromBase64String(File.ReadAllText(path + ".pub").Split(' ')[1]));
            }
            _port = FreePort();
            string config = Path.Combine(_dir, "sshd_config");
            File.WriteAllText(config, $"""
            Port {_port}
            ListenAddress 127.0.0.1
            HostKey {_dir}/host_ed25519
            HostKey {_dir}/host_ecdsa
            HostKey {_dir}/host_rsa
            PidFile {_dir}/sshd.pid
            UsePAM no
            StrictModes no
            AuthorizedKeysFile {_dir}/no_such_authorized_keys
            """);
            Directory.CreateDirectory("/run/sshd");
            Assert.True(File.Exists("/usr/sbin/sshd"), "/usr/sbin/sshd is not installed");
            var psi = new ProcessStartInfo("/usr/sbin/sshd") { UseShellExecute = false, RedirectStandardError = true };
            foreach (string a in new[] { "-D", "-f", config, "-E", Path.Combine(_dir, "sshd.log") }) psi.ArgumentList.Add(a);
            _sshd = Process.Start(psi)!;
            WaitForListen(_port);
            Port = _port;
        }

        public void Dispose()
        {
            if (!_sshd.HasExited) _sshd.Kill();
            _sshd.WaitForExit(10_000);
            _sshd.Dispose();
            Directory.Delete(_dir, recursive: true);
        }

        private static int FreePort()
        {
            using var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            return ((IPEndPoint)l.LocalEndpoint).Port;
        }

        private void WaitForListen(int port)
        {
            for (int i = 0; i < 100; i++)
            {
                if (_sshd.HasExited) Assert.Fail("sshd exited: " + _sshd.StandardError.ReadToEnd());
                try
                {
                    using var c = new TcpClient();
                    c.Connect(IPAddress.Loopback, port);
                    return;
                }
                catch (SocketException)
                {
                    Thread.Sleep(100);
                }
            }
            Assert.Fail("sshd did not start listening within 10 s");
        }
    }

    private string PortText => _port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Keyscan_lines_plain_and_hashed_are_known()
    {
        foreach (bool hashed in new[] { false, true })
        {
            var args = new List<string> { "-p", PortText, "-T", "10", "127.0.0.1" };
            if (hashed) args.Insert(0, "-H");
            var scan = Peer.Run("/usr/bin/ssh-keyscan", args);
            Assert.Equal(0, scan.ExitCode);
            string file = Path.Combine(_dir, hashed ? "kh_hashed" : "kh_plain");
            File.WriteAllText(file, scan.Stdout);
            Assert.Equal(hashed, scan.Stdout.StartsWith("|1|", StringComparison.Ordinal));
            foreach (var (type, key) in _hostKeys)
            {
                var result = KnownHosts.Check("127.0.0.1", _port, key, [file]);
                Assert.Equal(KnownHostStatus.Known, result.Status);
                Assert.Empty(result.Problems);
                Assert.Equal(KnownHostStatus.NotFound, KnownHosts.Check("127.0.0.1", 22, key, [file]).Status);
            }
            Assert.Equal(3, KnownHosts.KeyTypesFor("127.0.0.1", _port, [file]).Count);
        }
    }

    private Peer.Result Ssh(string knownHosts, string hostKeyAlgorithm) => Peer.Run("/usr/bin/ssh",
    [
        "-F", "/dev/null", "-p", PortText,
        "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + knownHosts,
        "-o", "GlobalKnownHostsFile=/dev/null", "-o", "HostKeyAlgorithms=" + hostKeyAlgorithm,
        "-o", "IdentitiesOnly=yes", "-o", "IdentityFile=/dev/null", "-o", "ConnectTimeout=10",
        "127.0.0.1", "true",
    ]);

    [Fact]
    public void Ssh_accepts_the_lines_we_add_and_refuses_a_changed_key()
    {
        string file = Path.Combine(_dir, "ours");
        KnownHosts.Add(file, "127.0.0.1", _port, _hostKeys["ed25519"], hash: true);
        KnownHosts.Add(file, "127.0.0.1", _port, _hostKeys["ecdsa"], hash: false);
        foreach (string alg in new[] { "ssh-ed25519", "ecdsa-sha2-nistp256" })
        {
            var r = Ssh(file, alg);
            Assert.Equal(255, r.ExitCode);
            Assert.Contains("Permission denied", r.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Host key verification failed", r.Stderr, StringComparison.Ordinal);
        }

        // A wrong ed25519 key on file: ssh refuses it as changed, and so does our check.
        string changed = Path.Combine(_dir, "changed");
        KnownHosts.Add(changed, "127.0.0.1", _port, _hostKeys["ecdsa"], hash: false);
        string other = Path.Combine(_dir, "other");
        Assert.Equal(0, Peer.Keygen("-q", "-t", "ed25519", "-N", "", "-f", other).ExitCode);
        var wrong = SshPublicKey.FromBlob(Convert.FromBase64String(File.ReadAllText(other + ".pub").Split(' ')[1]));
        KnownHosts.Add(changed, "127.0.0.1", _port, wrong, hash: true);
        var refused = Ssh(changed, "ssh-ed25519");
        Assert.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains($"{changed}:2", refused.Stderr, StringComparison.Ordinal);
        var ours = KnownHosts.Check("127.0.0.1", _port, _hostKeys["ed25519"], [changed]);
        Assert.Equal(KnownHostStatus.Changed, ours.Status);
        Assert.Equal(2, ours.Entry!.Line);
        Assert.Equal(["ecdsa-sha2-nistp256", "ssh-ed25519"], ours.KnownKeyTypes);
    }
}
