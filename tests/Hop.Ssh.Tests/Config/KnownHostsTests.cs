using Hop.Ssh.Config;
using Hop.Ssh.Keys;

namespace Hop.Ssh.Tests.Config;

public class KnownHostsTests : ConfigTestBase
{
    private static readonly SshPublicKey Ed1 = Ed25519PrivateKey.Generate().PublicKey;
    private static readonly SshPublicKey Ed2 = Ed25519PrivateKey.Generate().PublicKey;
    private static readonly SshPublicKey Ec = EcdsaPrivateKey.Generate(256).PublicKey;
    private static readonly SshPublicKey Ec384 = EcdsaPrivateKey.Generate(384).PublicKey;

    private static string L(SshPublicKey k) => k.ToOpenSshLine();

    [Fact]
    public void Known_NotFound_Changed_Revoked()
    {
        string f = Write("kh", $"# c\nhost1 {L(Ed1)}\nhost1,10.0.0.1 {L(Ec)} comment\n@revoked host1 {L(Ed2)}\n");
        Assert.Equal(KnownHostStatus.Known, KnownHosts.Check("host1", 22, Ed1, [f]).Status);
        var known = KnownHosts.Check("10.0.0.1", 22, Ec, [f]);
        Assert.Equal(KnownHostStatus.Known, known.Status);
        Assert.Equal((f, 3), (known.Entry!.File, known.Entry.Line));
        Assert.Equal("comment", known.Entry.Comment);

        var revoked = KnownHosts.Check("host1", 22, Ed2, [f]);
        Assert.Equal(KnownHostStatus.Revoked, revoked.Status);
        Assert.Equal(4, revoked.Entry!.Line);

        var newType = KnownHosts.Check("host1", 22, Ec384, [f]);
        Assert.Equal(KnownHostStatus.NotFound, newType.Status);
        Assert.Equal([2, 3], newType.OtherKeys.Select(e => e.Line));
        Assert.Equal(["ssh-ed25519", "ecdsa-sha2-nistp256"], newType.KnownKeyTypes);

        string g = Write("kh2", $"host9 {L(Ed1)}\n");
        var changed = KnownHosts.Check("host9", 22, Ed2, [f, g]);
        Assert.Equal(KnownHostStatus.Changed, changed.Status);
        Assert.Equal((g, 1), (changed.Entry!.File, changed.Entry.Line));
        Assert.Equal(Ed2, changed.Key);
        Assert.Equal(KnownHostStatus.NotFound, KnownHosts.Check("host2", 22, Ed1, [f, g]).Status);
    }

    [Fact]
    public void Check_for_a_resolved_config_uses_HostKeyAlias_and_both_file_lists()
    {
        string user = Write("user_kh", $"[real.example]:2200 {L(Ed1)}\n");
        string global = Write("global_kh", $"myalias {L(Ec)}\n");
        var c = Resolve("h", $"Host h\n HostName real.example\n Port 2200\n UserKnownHostsFile {user}\n GlobalKnownHostsFile {global}\n");
        Assert.Equal(KnownHostStatus.Known, KnownHosts.Check(c, Ed1).Status);
        Assert.Equal(("real.example", 2200), KnownHosts.LookupHost(c));
        var aliased = Resolve("h", $"Host h\n HostKeyAlias myalias\n Port 2200\n UserKnownHostsFile {user}\n GlobalKnownHostsFile {global}\n");
        Assert.Equal(KnownHostStatus.Known, KnownHosts.Check(aliased, Ec).Status);
        Assert.Equal(KnownHostStatus.NotFound, KnownHosts.Check(aliased, Ed1).Status);
    }

    [Fact]
    public void Ports_patterns_negation_and_case()
    {
        string f = Write("kh", $"[h]:2222 {L(Ed1)}\n*.example.com,!bad.example.com {L(Ec)}\nMiXeD {L(Ed2)}\n[w?]:* {L(Ec384)}\n");
        Assert.Equal(KnownHostStatus.Known, KnownHosts.Check("h", 2222, Ed1, [f]).Status);
        Assert.Equal(KnownHostStatus.NotFound, KnownHosts.Check("h", 22, Ed1, [f]).Status);
        Assert.Equal(KnownHostStatus.Known, KnownHosts.Check("a.example.com", 22, Ec, [f]).Status);
        Assert.Equal(KnownHostStatus.NotFound, KnownHosts.Check("bad.example.com", 22, Ec, [f]).Status);
        Assert.Equal(KnownHostStatus.Known, KnownHosts.Check("mixed", 22, Ed2, [f]).Status);
        Assert.Equal(KnownHostStatus.Known, KnownHosts.Check("w1", 8022, Ec384, [f]).Status);
        Assert.Equal("[h]:2222", HashedHostName.LookupName("h", 2222));
        Assert.Equal("h", HashedHostName.LookupName("h", 22));
    }

    [Fact]
    public void Hashed_names()
    {
        byte[] salt = new byte[20];
        string hashed = HashedHostName.Hash("host", salt);
        Assert.Equal("|1|AAAAAAAAAAAAAAAAAAAAAAAAAAA=|", hashed[..32]);
        string f = Write("kh", $"{HashedHostName.Hash("host")} {L(Ed1)}\n{HashedHostName.Hash("[host]:2200")} {L(Ec)}\n");
        Assert.Equal(KnownHostStatus.Known, KnownHosts.Check("host", 22, Ed1, [f]).Status);
        Assert.Equal(KnownHostStatus.Known, KnownHosts.Check("host", 2200, Ec, [f]).Status);
        Assert.Equal(KnownHostStatus.NotFound, KnownHosts.Check("hos", 22, Ed1, [f]).Status);
        Assert.Equal(KnownHostStatus.Changed, KnownHosts.Check("host", 22, Ed2, [f]).Status);
    }

    [Fact]
    public void Malformed_lines_are_reported_and_never_make_a_host_known()
    {
        string b64 = Convert.ToBase64String(Ed1.Blob);
        string f = Write("kh",
            $"host ssh-ed25519\n" +                          // no key
            $"host ssh-ed25519 !!!notbase64\n" +              // bad base64
            $"host ecdsa-sha2-nistp256 {b64}\n" +             // type mismatch
            $"host ssh-ed25519 {b64[..20]}\n" +               // truncated key
            $"@bogus host {L(Ed1)}\n" +                       // bad marker
            $"|1|bad|hash {L(Ed1)}\n" +                       // bad hash
            $"host unknown-type {b64}\n" +                    // unknown key type
            $"host\n");
        var r = KnownHosts.Check("host", 22, Ed1, [f]);
        Assert.Equal(KnownHostStatus.NotFound, r.Status);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], r.Problems.Select(p => p.Line));
        Assert.All(r.Problems, p => Assert.Equal(f, p.File));
        Assert.Equal($"{f}:1: invalid line", r.Problems[0].ToString());
    }

    [Fact]
    public void Cert_authority_lines_are_not_host_keys()
    {
        string f = Write("kh", $"@cert-authority *.ca.com {L(Ed1)}\n");
        Assert.Equal(KnownHostStatus.NotFound, KnownHosts.Check("a.ca.com", 22, Ed1, [f]).Status);
        Assert.Single(KnownHosts.CertificateAuthoritiesFor("a.ca.com", 22, [f]));
    }

    [Fact]
    public void Fuzzed_and_truncated_lines_never_throw_and_never_match()
    {
        string good = $"host {L(Ed1)} comment";
        var rng = new Random(42);
        var lines = new List<string>();
        for (int i = 0; i < good.Length; i++) lines.Add(good[..i]);
        for (int i = 0; i < 300; i++)
        {
            char[] c = good.ToCharArray();
            for (int j = 0; j < 3; j++) c[rng.Next(c.Length)] = (char)rng.Next(1, 256);
            lines.Add(new string(c));
        }
        for (int i = 0; i < 100; i++)
        {
            byte[] junk = new byte[rng.Next(1, 200)];
            rng.NextBytes(junk);
            lines.Add(System.Text.Encoding.Latin1.GetString(junk).Replace('\n', ' '));
        }
        string f = Write("kh", string.Join('\n', lines));
        var r = KnownHosts.Check("host", 22, Ed2, [f]);
        Assert.NotEqual(KnownHostStatus.Known, r.Status);
        Assert.NotEqual(KnownHostStatus.Revoked, r.Status);
        // A damaged line may still hold some (other) valid key, never the one presented.
        Assert.All(r.OldKeys, e => Assert.NotEqual(Ed2, e.Key));
        Assert.NotEmpty(r.Problems);
        KnownHostsEditor.Find(f, "host", TextWriter.Null);
        Assert.Equal(1, KnownHostsEditor.Remove(f, "host", TextWriter.Null, TextWriter.Null));
    }

    [Fact]
    public void Missing_files_are_empty()
    {
        var r = KnownHosts.Check("h", 22, Ed1, [Path.Combine(Dir, "none"), "/nonexistent/dir/kh"]);
        Assert.Equal(KnownHostStatus.NotFound, r.Status);
        Assert.Empty(r.Problems);
    }

    [Fact]
    public void Add_appends_atomically_keeping_mode_and_creating_0644()
    {
        string f = Path.Combine(Dir, "new", "known_hosts");
        KnownHosts.Add(f, "host", 22, Ed1, hash: false);
        KnownHosts.Add(f, "host", 2200, Ec, hash: false, ipAddress: "192.0.2.1");
        KnownHosts.Add(f, "other", 22, Ed2, hash: true, ipAddress: "192.0.2.2");
        string[] lines = File.ReadAllLines(f);
        Assert.Equal($"host {L(Ed1)}", lines[0]);
        Assert.Equal($"[host]:2200,[192.0.2.1]:2200 {L(Ec)}", lines[1]);
        Assert.StartsWith("|1|", lines[2]);
        Assert.StartsWith("|1|", lines[3]);
        Assert.Equal(4, lines.Length);
        Assert.Equal(KnownHostStatus.Known, KnownHosts.Check("192.0.2.2", 22, Ed2, [f]).Status);
        Assert.Equal(KnownHostStatus.Known, KnownHosts.Check("other", 22, Ed2, [f]).Status);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(f));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(f)!));
            File.SetUnixFileMode(f, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            KnownHosts.Add(f, "third", 22, Ed1, hash: false);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f));
        }
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(f)!)); // no temp file left behind

        // A file without a final newline gets one before the new line.
        string g = Write("nonl", $"a {L(Ed1)}");
        KnownHosts.Add(g, "b", 22, Ed2, hash: false);
        Assert.Equal([$"a {L(Ed1)}", $"b {L(Ed2)}"], File.ReadAllLines(g));
    }

    [Fact]
    public void Adds_from_many_threads_at_once_all_land()
    {
        // `hop run` learns the keys of many hosts at once (accept-new) in one process: each
        // append reads the file and renames a new one over it, so two at once must not lose a line.
        string f = Path.Combine(Dir, "concurrent", "known_hosts");
        const int Threads = 8, Each = 16;
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < Each; i++) KnownHosts.Add(f, $"host{t * Each + i}", 22, Ed1, hash: false);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        var hosts = File.ReadAllLines(f).Select(l => l.Split(' ')[0]).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Enumerable.Range(0, Threads * Each).Select(i => $"host{i}").Order(StringComparer.Ordinal), hosts);
    }

    [Fact]
    public void UpdateHostKeys_replaces_the_hosts_keys_and_keeps_the_rest()
    {
        string f = Write("kh", $"# keep\nhost {L(Ed1)}\nhost,10.9.9.9 {L(Ec384)}\nother {L(Ed1)}\n@revoked host {L(Ed2)}\n{HashedHostName.Hash("host")} {L(Ec)}\n");
        var r = KnownHostsUpdate.ReplaceHostKeys(f, "host", 22, [Ed1, Ed2, Ec384], hash: false);
        Assert.Equal([6], r.Removed.Select(e => e.Line));
        Assert.Equal([Ed2], r.Added);
        Assert.Equal($"# keep\nhost {L(Ed1)}\nhost,10.9.9.9 {L(Ec384)}\nother {L(Ed1)}\n@revoked host {L(Ed2)}\nhost {L(Ed2)}\n", File.ReadAllText(f));
        Assert.True(File.Exists(f + ".old"));
        File.Delete(f + ".old");
        var again = KnownHostsUpdate.ReplaceHostKeys(f, "host", 22, [Ed1, Ed2, Ec384], hash: false);
        Assert.False(again.Modified);
        Assert.False(File.Exists(f + ".old"));
        Assert.Equal(KnownHostStatus.Revoked, KnownHosts.Check("host", 22, Ed2, [f]).Status); // @revoked still wins
    }

    [Fact]
    public void Host_key_algorithms_ordered_known_types_first()
    {
        string[] algs = ["ssh-ed25519-cert-v01@openssh.com", "ecdsa-sha2-nistp256-cert-v01@openssh.com", "rsa-sha2-512-cert-v01@openssh.com",
            "ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-512", "rsa-sha2-256"];
        Assert.Equal(["rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-512", "rsa-sha2-256", "ssh-ed25519-cert-v01@openssh.com",
            "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ssh-ed25519", "ecdsa-sha2-nistp256"],
            KnownHosts.OrderHostKeyAlgorithms(algs, ["ssh-rsa"]));
        Assert.Equal(algs, KnownHosts.OrderHostKeyAlgorithms(algs, []));
    }

    [Fact]
    public void Editors_find_remove_hash()
    {
        string f = Write("kh", $"# c\nhost1 {L(Ed1)}\n@revoked host1 {L(Ed2)}\nhost2,host1 {L(Ec)}\n");
        var o = new StringWriter();
        Assert.Equal(0, KnownHostsEditor.Find(f, "host1", o));
        Assert.Equal($"# Host host1 found: line 2 \nhost1 {L(Ed1)}\n# Host host1 found: line 3 REVOKED\n@revoked host1 {L(Ed2)}\n" +
            $"# Host host1 found: line 4 \nhost2,host1 {L(Ec)}\n", o.ToString());
        Assert.Equal(1, KnownHostsEditor.Find(f, "nope", TextWriter.Null));

        var so = new StringWriter();
        var se = new StringWriter();
        Assert.Equal(0, KnownHostsEditor.Remove(f, "host1", so, se));
        Assert.Equal($"# Host host1 found: line 2\n# Host host1 found: line 4\n{f} updated.\nOriginal contents retained as {f}.old\n", so.ToString());
        Assert.Equal($"# c\n@revoked host1 {L(Ed2)}\n", File.ReadAllText(f));
        Assert.True(File.Exists(f + ".old"));

        string h = Write("kh3", $"a,B {L(Ed1)} c\n");
        Assert.Equal(0, KnownHostsEditor.Hash(h, TextWriter.Null, TextWriter.Null));
        string[] lines = File.ReadAllLines(h);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.EndsWith($" {L(Ed1)} c", l, StringComparison.Ordinal));
        Assert.Equal(KnownHostStatus.Known, KnownHosts.Check("b", 22, Ed1, [h]).Status);
    }
}
