// The SSH.NET 2026.0.0 side of bench/bench.sh. One job per process, chosen by the first argument:
//   down   HOST PORT USER KEY CIPHER MAC KEX BYTES   runs `head -c BYTES /dev/zero`, copies stdout to our stdout
//   up     HOST PORT USER KEY CIPHER MAC KEX         runs `cat > /dev/null`, feeds it our stdin until EOF
//   true   HOST PORT USER KEY CIPHER MAC KEX         connects, authenticates, runs `true`, disconnects
//   many   HOST PORT USER KEY CIPHER MAC KEX COUNT   one connection, COUNT channels each running `true`;
//                                                    prints "per-command-ms <ms>"
//   decrypt KEY PASSPHRASE                           loads an encrypted openssh-key-v1 file
//   sftp-down|sftp-up|sftp-getdir|sftp-putdir HOST PORT USER KEY CIPHER MAC KEX SRC DST
//                                                    SftpClient: one file down or up, or every file of a
//                                                    directory (SSH.NET has no recursive copy: a plain loop)
// MAC "-" means the cipher is an AEAD (no separate MAC). Exit status: 0 when the job succeeded.
using System.Diagnostics;
using System.Globalization;
using Renci.SshNet;

if (args.Length == 0) return Usage();
try
{
    switch (args[0])
    {
        case "decrypt" when args.Length == 3:
            using (var key = new PrivateKeyFile(args[1], args[2]))
            {
                return 0;
            }
        case "down" when args.Length == 9:
            {
                using var client = Connect(args);
                using var cmd = client.CreateCommand("head -c " + args[8] + " /dev/zero");
                var pending = cmd.BeginExecute();
                using (var stdout = Console.OpenStandardOutput())
                {
                    cmd.OutputStream.CopyTo(stdout, 256 * 1024);
                }
                cmd.EndExecute(pending);
                return cmd.ExitStatus ?? 255;
            }
        case "up" when args.Length == 8:
            {
                using var client = Connect(args);
                using var cmd = client.CreateCommand("cat > /dev/null");
                var pending = cmd.BeginExecute();
                using (var input = cmd.CreateInputStream())
                using (var stdin = Console.OpenStandardInput())
                {
                    stdin.CopyTo(input, 256 * 1024);
                }
                cmd.EndExecute(pending);
                return cmd.ExitStatus ?? 255;
            }
        case "true" when args.Length == 8:
            {
                using var client = Connect(args);
                using var cmd = client.RunCommand("true");
                return cmd.ExitStatus ?? 255;
            }
        case "many" when args.Length == 9:
            {
                int count = int.Parse(args[8], CultureInfo.InvariantCulture);
                using var client = Connect(args);
                using (var warm = client.RunCommand("true")) { }
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < count; i++)
                {
                    using var cmd = client.RunCommand("true");
                    if (cmd.ExitStatus != 0) return 1;
                }
                clock.Stop();
                Console.WriteLine("per-command-ms " + (clock.Elapsed.TotalMilliseconds / count).ToString("F3", CultureInfo.InvariantCulture));
                return 0;
            }
        case "sftp-down" or "sftp-up" or "sftp-getdir" or "sftp-putdir" when args.Length == 10:
            {
                using var sftp = ConnectSftp(args);
                string src = args[8], dst = args[9];
                switch (args[0])
                {
                    case "sftp-down":
                        using (var f = File.Create(dst)) sftp.DownloadFile(src, f);
                        break;
                    case "sftp-up":
                        using (var f = File.OpenRead(src)) sftp.UploadFile(f, dst);
                        break;
                    case "sftp-getdir":
                        Directory.CreateDirectory(dst);
                        foreach (var entry in sftp.ListDirectory(src))
                        {
                            if (!entry.IsRegularFile) continue;
                            using var f = File.Create(Path.Combine(dst, entry.Name));
                            sftp.DownloadFile(entry.FullName, f);
                        }
                        break;
                    default:
                        sftp.CreateDirectory(dst);
                        foreach (var file in Directory.GetFiles(src))
                        {
                            using var f = File.OpenRead(file);
                            sftp.UploadFile(f, dst + "/" + Path.GetFileName(file));
                        }
                        break;
                }
                return 0;
            }
        default:
            return Usage();
    }
}
catch (Exception e)
{
    Console.Error.WriteLine("sshnetbench: " + e.Message);
    return 255;
}

static int Usage()
{
    Console.Error.WriteLine("usage: SshNetBench down|up|true|many HOST PORT USER KEY CIPHER MAC KEX [BYTES|COUNT] | decrypt KEY PASSPHRASE");
    return 2;
}

static SftpClient ConnectSftp(string[] a)
{
    var client = new SftpClient(Info(a));
    client.HostKeyReceived += (_, e) => e.CanTrust = true;
    client.Connect();
    return client;
}

static ConnectionInfo Info(string[] a)
{
    string host = a[1], user = a[3], keyPath = a[4], cipher = a[5], mac = a[6], kex = a[7];
    int port = int.Parse(a[2], CultureInfo.InvariantCulture);
    var key = new PrivateKeyFile(keyPath);
    var info = new ConnectionInfo(host, port, user, new PrivateKeyAuthenticationMethod(user, key));
    KeepOnly(info.Encryptions, cipher, "cipher");
    if (mac != "-") KeepOnly(info.HmacAlgorithms, mac, "MAC");
    KeepOnly(info.KeyExchangeAlgorithms, kex, "KEX");
    return info;
}

static SshClient Connect(string[] a)
{
    string host = a[1], user = a[3], keyPath = a[4], cipher = a[5], mac = a[6], kex = a[7];
    int port = int.Parse(a[2], CultureInfo.InvariantCulture);
    var key = new PrivateKeyFile(keyPath);
    var info = new ConnectionInfo(host, port, user, new PrivateKeyAuthenticationMethod(user, key));
    KeepOnly(info.Encryptions, cipher, "cipher");
    if (mac != "-") KeepOnly(info.HmacAlgorithms, mac, "MAC");
    KeepOnly(info.KeyExchangeAlgorithms, kex, "KEX");
    var client = new SshClient(info);
    client.HostKeyReceived += (_, e) => e.CanTrust = true;
    client.Connect();
    return client;
}

static void KeepOnly<T>(IDictionary<string, T> table, string name, string what)
{
    if (!table.ContainsKey(name)) throw new InvalidOperationException($"SSH.NET has no {what} {name}");
    foreach (var other in table.Keys.Where(k => k != name).ToList()) table.Remove(other);
}
