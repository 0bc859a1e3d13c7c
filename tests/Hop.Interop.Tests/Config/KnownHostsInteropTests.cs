using Hop.Ssh.Config;
using Hop.Ssh.Keys;

namespace Hop.Interop.Tests.Config;

/// <summary>
/// known_hosts against ssh-keygen: -F, -R and -H on copies of the same files must print the same and leave the
/// same files; files hashed by ssh-keygen are read by KnownHosts.Check; our hashed lines are found by ssh-keygen -F.
/// </summary>
public sealed class KnownHostsInteropTests : IDisposable, IClassFixture<KnownHostsInteropTests.Keys>
{
    /// <summary>Five public keys made once by ssh-keygen for the whole class.</summary>
    public sealed class Keys : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("hop-khkeys-").FullName;
        public Dictionary<string, string> Pub { get; } = [];

        public Keys()
        {
            foreach (var (name, type, bits) in new[] { ("ed", "ed25519", ""), ("ec", "ecdsa", "256"), ("ec384", "ecdsa", "384"), ("rsa", "rsa", "2048"), ("ed2", "ed25519", "") })
            {
                var args = new List<string> { "-q", "-t", type, "-N", "", "-f", Path.Combine(_dir, name) };
                if (bits.Length > 0) args.InsertRange(0, ["-b", bits]);
                var r = Peer.Run("/usr/bin/ssh-keygen", args);
                Assert.Equal(0, r.ExitCode);
                var f = File.ReadAllText(Path.Combine(_dir, name + ".pub")).Split(' ');
                Pub[name] = f[0] + " " + f[1];
            }
        }

        public void Dispose() => Directory.Delete(_dir, recursive: true);
    }

    private readonly string _dir = Directory.CreateTempSubdirectory("hop-kh-").FullName;
    private readonly Dictionary<string, string> _pub;

    public KnownHostsInteropTests(Keys keys) => _pub = keys.Pub;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private SshPublicKey Key(string name) => SshPublicKey.FromBlob(Convert.FromBase64String(_pub[name].Split(' ')[1]));

    private string Sample(bool withInvalid = false) =>
        "# known hosts for tests\n" +
        $"host1 {_pub["ed"]}\n" +
        $"host1,10.0.0.1 {_pub["ec"]} a comment\n" +
        $"[host2]:2222 {_pub["ed"]}\n" +
        $"*.wild.com,!bad.wild.com {_pub["rsa"]}\n" +
        $"@revoked revoked.com {_pub["ed2"]}\n" +
        $"@cert-authority *.ca.com {_pub["ec"]}\n" +
        $"Mixed.Case  {_pub["ec384"]}   spaced comment  \n" +
        "\n" +
        $"host3,host4 {_pub["rsa"]}\n" +
        (withInvalid ? "garbage line here\n" : "") +
        $"host5 {_pub["ed2"]}";   // no final newline

    private string Write(string name, string content)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    public static TheoryData<string> Queries() =>
    [
        "host1", "HOST1", "10.0.0.1", "host2", "[host2]:2222", "x.wild.com", "bad.wild.com", "revoked.com", "a.ca.com",
        "mixed.case", "host4", "host5", "absent", "garbage",
    ];

    [Theory]
    [MemberData(nameof(Queries))]
    public void Find_matches_ssh_keygen_F_on_plain_and_hashed_files(string host)
    {
        string plain = Write("plain", Sample(withInvalid: true));
        string hashed = Write("hashed", Sample());
        Assert.Equal(0, Peer.Keygen("-H", "-f", hashed).ExitCode);
        foreach (string file in new[] { plain, hashed })
        {
            var theirs = Peer.Keygen("-F", host, "-f", file);
            var ours = new StringWriter();
            int rc = KnownHostsEditor.Find(file, host, ours);
            Assert.Equal(theirs.ExitCode, rc);
            Assert.Equal(theirs.Stdout, ours.ToString());
        }
    }

    [Theory]
    [MemberData(nameof(Queries))]
    public void Remove_matches_ssh_keygen_R(string host)
    {
        foreach (bool hashFirst in new[] { false, true })
        {
            string theirs = Write("theirs", Sample());
            if (hashFirst) Assert.Equal(0, Peer.Keygen("-H", "-f", theirs).ExitCode);
            string ours = Write("ours", File.ReadAllText(theirs));
            File.Delete(theirs + ".old");
            File.Delete(ours + ".old");
            var r = Peer.Keygen("-R", host, "-f", theirs);
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int rc = KnownHostsEditor.Remove(ours, host, stdout, stderr);
            Assert.Equal(r.ExitCode, rc);
            Assert.Equal(r.Stdout.Replace(theirs, ours, StringComparison.Ordinal), stdout.ToString());
            Assert.Equal(Lf(r.Stderr).Replace(theirs, ours, StringComparison.Ordinal), stderr.ToString());
            Assert.Equal(File.ReadAllText(theirs), File.ReadAllText(ours));
            Assert.Equal(File.Exists(theirs + ".old"), File.Exists(ours + ".old"));
            if (File.Exists(ours + ".old")) Assert.Equal(File.ReadAllText(theirs + ".old"), File.ReadAllText(ours + ".old"));
        }
    }

    [Fact]
    public void Remove_and_hash_refuse_a_file_with_invalid_lines_like_ssh_keygen()
    {
        foreach (string op in new[] { "-R", "-H" })
        {
            string theirs = Write("theirs", Sample(withInvalid: true));
            string ours = Write("ours", Sample(withInvalid: true));
            var r = op == "-R" ? Peer.Keygen("-R", "host1", "-f", theirs) : Peer.Keygen("-H", "-f", theirs);
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int rc = op == "-R" ? KnownHostsEditor.Remove(ours, "host1", stdout, stderr) : KnownHostsEditor.Hash(ours, stdout, stderr);
            Assert.Equal(1, r.ExitCode);
            Assert.Equal(r.ExitCode, rc);
            Assert.Equal(Lf(r.Stderr).Replace(theirs, ours, StringComparison.Ordinal), stderr.ToString());
            Assert.Equal(Sample(withInvalid: true), File.ReadAllText(ours));
        }
    }

    [Fact]
    public void Missing_file_is_reported_like_ssh_keygen()
    {
        string path = Path.Combine(_dir, "absent");
        var f = Peer.Keygen("-F", "h", "-f", path);
        var r = Peer.Keygen("-R", "h", "-f", path);
        var h = Peer.Keygen("-H", "-f", path);
        var e1 = new StringWriter();
        var e2 = new StringWriter();
        var e3 = new StringWriter();
        Assert.Equal(f.ExitCode, KnownHostsEditor.Find(path, "h", TextWriter.Null, error: e1));
        Assert.Equal(r.ExitCode, KnownHostsEditor.Remove(path, "h", TextWriter.Null, e2));
        Assert.Equal(h.ExitCode, KnownHostsEditor.Hash(path, TextWriter.Null, e3));
        Assert.Equal(Lf(f.Stderr), e1.ToString());
        Assert.Equal(Lf(r.Stderr), e2.ToString());
        Assert.Equal(Lf(h.Stderr), e3.ToString());
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Hash_matches_ssh_keygen_H_up_to_the_random_salts()
    {
        string theirs = Write("theirs", Sample());
        string ours = Write("ours", Sample());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(theirs, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
            File.SetUnixFileMode(ours, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        }
        var r = Peer.Keygen("-H", "-f", theirs);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int rc = KnownHostsEditor.Hash(ours, stdout, stderr);
        Assert.Equal(r.ExitCode, rc);
        Assert.Equal(r.Stdout.Replace(theirs, ours, StringComparison.Ordinal), stdout.ToString());
        Assert.Equal(Lf(r.Stderr).Replace(theirs, ours, StringComparison.Ordinal), stderr.ToString());
        Assert.Equal(File.ReadAllText(theirs + ".old"), File.ReadAllText(ours + ".old"));
        if (!OperatingSystem.IsWindows()) Assert.Equal(File.GetUnixFileMode(theirs), File.GetUnixFileMode(ours));

        string[] a = File.ReadAllLines(theirs), b = File.ReadAllLines(ours);
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i].StartsWith("|1|", StringComparison.Ordinal))
            {
                Assert.StartsWith("|1|", b[i]);
                Assert.Equal(a[i][a[i].IndexOf(' ', StringComparison.Ordinal)..], b[i][b[i].IndexOf(' ', StringComparison.Ordinal)..]);
            }
            else
            {
                Assert.Equal(a[i], b[i]);
            }
        }
        // Every name, hashed by us, is found by ssh-keygen at the line where its own hashing put it.
        foreach (string host in new[] { "host1", "10.0.0.1", "[host2]:2222", "mixed.case", "host3", "host4", "host5" })
        {
            var t = Peer.Keygen("-F", host, "-f", theirs);
            var o = Peer.Keygen("-F", host, "-f", ours);
            Assert.Equal(0, o.ExitCode);
            Assert.Equal(Headers(t.Stdout), Headers(o.Stdout));
        }
    }

    /// <summary>OpenSSH's log functions end stderr lines with "\r\n"; we write "\n". The only normalisation.</summary>
    private static string Lf(string s) => s.Replace("\r\n", "\n", StringComparison.Ordinal);

    private static string Headers(string findOutput) =>
        string.Join('\n', findOutput.Split('\n').Where(l => l.StartsWith("# Host", StringComparison.Ordinal)));

    [Fact]
    public void Check_reads_files_hashed_by_ssh_keygen()
    {
        string file = Write("kh", Sample());
        Assert.Equal(0, Peer.Keygen("-H", "-f", file).ExitCode);
        string[] files = [file];
        Assert.Equal(KnownHostStatus.Known, KnownHosts.Check("host1", 22, Key("ed"), files).Status);
        Assert.Equal(KnownHostStatus.Known, KnownHosts.Check("host1", 22, Key("ec"), files).Status);
        Assert.Equal(KnownHostStatus.Known, KnownHosts.Check("10.0.0.1", 22, Key("ec"), files).Status);
        Assert.Equal(KnownHostStatus.Known, KnownHosts.Check("host2", 2222, Key("ed"), files).Status);
        Assert.Equal(KnownHostStatus.Known, KnownHosts.Check("mixed.case", 22, Key("ec384"), files).Status);
        Assert.Equal(KnownHostStatus.Known, KnownHosts.Check("x.wild.com", 22, Key("rsa"), files).Status);
        Assert.Equal(KnownHostStatus.NotFound, KnownHosts.Check("bad.wild.com", 22, Key("rsa"), files).Status);
        Assert.Equal(KnownHostStatus.NotFound, KnownHosts.Check("host2", 22, Key("ed"), files).Status);
        var changed = KnownHosts.Check("host1", 22, Key("ed2"), files);
        Assert.Equal(KnownHostStatus.Changed, changed.Status);
        Assert.Equal(2, changed.Entry!.Line);
        Assert.Equal(["ssh-ed25519", "ecdsa-sha2-nistp256"], changed.KnownKeyTypes);
        Assert.Equal(KnownHostStatus.Revoked, KnownHosts.Check("revoked.com", 22, Key("ed2"), files).Status);
        Assert.Empty(changed.Problems);
    }

    [Fact]
    public void Lines_we_add_hashed_are_found_by_ssh_keygen()
    {
        string file = Path.Combine(_dir, "sub", "known_hosts");
        KnownHosts.Add(file, "example.org", 22, Key("ed"), hash: true);
        KnownHosts.Add(file, "example.org", 2200, Key("ec"), hash: true);
        KnownHosts.Add(file, "plain.org", 2200, Key("rsa"), hash: false, ipAddress: "192.0.2.7");
        KnownHosts.Add(file, "both.org", 22, Key("ed2"), hash: true, ipAddress: "192.0.2.8");
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(file));
        Assert.Contains("# Host example.org found: line 1 ", Peer.Keygen("-F", "example.org", "-f", file).Stdout, StringComparison.Ordinal);
        Assert.Contains("# Host [example.org]:2200 found: line 2 ", Peer.Keygen("-F", "[example.org]:2200", "-f", file).Stdout, StringComparison.Ordinal);
        Assert.Contains($"[plain.org]:2200,[192.0.2.7]:2200 {_pub["rsa"]}", Peer.Keygen("-F", "[192.0.2.7]:2200", "-f", file).Stdout, StringComparison.Ordinal);
        Assert.Contains("found: line 5", Peer.Keygen("-F", "192.0.2.8", "-f", file).Stdout, StringComparison.Ordinal);
        Assert.Equal(1, Peer.Keygen("-F", "example.org:2200", "-f", file).ExitCode);
        Assert.Equal(KnownHostStatus.Known, KnownHosts.Check("both.org", 22, Key("ed2"), [file]).Status);
    }
}
