namespace Hop.Interop.Tests.Keys;

/// <summary>`hop keygen` against the real ssh-keygen: same files, same fingerprints and pictures, same answers.</summary>
public class KeygenCliTests
{
    private static Tool.Result Hop(params string[] args) => Tool.Run(Tool.Hop, ["keygen", .. args]);

    private static Tool.Result HopWithInput(string stdin, IDictionary<string, string>? env, params string[] args) =>
        Tool.Run(Tool.Hop, ["keygen", .. args], stdin, env: env);

    public static TheoryData<string[]> GenerateArgs() => new()
    {
        new[] { "-t", "ed25519" },
        new[] { "-t", "ecdsa" },
        new[] { "-t", "ecdsa", "-b", "384" },
        new[] { "-t", "ecdsa", "-b", "521" },
        new[] { "-t", "rsa", "-b", "2048" },
    };

    [Theory]
    [MemberData(nameof(GenerateArgs))]
    public void GeneratedKeyIsReadBySshKeygenWithTheSameFingerprintAndArt(string[] typeArgs)
    {
        using var dir = new TempDir();
        string path = dir["id"];
        var r = Tool.Ok(Hop([.. typeArgs, "-N", "pass word", "-a", "2", "-C", "hop@test", "-f", path]), "hop keygen");
        Assert.Equal("600", KeyFileModeOf(path));
        Assert.Equal("644", KeyFileModeOf(path + ".pub"));
        var y = Tool.Ok(Tool.SshKeygen("-y", "-P", "pass word", "-f", path), "ssh-keygen -y");
        string pubLine = File.ReadAllText(path + ".pub").Trim();
        Assert.Equal(pubLine, y.Stdout.Trim());
        // The fingerprint and picture printed at generation are ssh-keygen's.
        var lv = Tool.Ok(Tool.SshKeygen("-lv", "-f", path + ".pub"), "ssh-keygen -lv").Stdout.Split('\n', 2);
        string fp = lv[0].Split(' ')[1];
        Assert.Contains($"The key fingerprint is:\n{fp} hop@test\nThe key's randomart image is:\n{lv[1]}", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("Your identification has been saved in " + path + "\n", r.Stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// The passphrase of an encrypted key, as ssh-keygen asks for it (OpenSSH's regress/keygen-convert.sh):
    /// through SSH_ASKPASS when SSH_ASKPASS_REQUIRE=force, even with stdin open on endless NULs; without
    /// askpass, such a stdin is a wrong passphrase, not a line read for ever.
    /// </summary>
    [Fact]
    public void PassphraseComesFromAskpassWhenForcedAndAnEndlessStdinIsRefused()
    {
        using var dir = new TempDir();
        string path = dir["k"];
        Tool.Ok(Tool.SshKeygen("-q", "-t", "ed25519", "-N", "hunter2", "-C", "c", "-f", path), "ssh-keygen");
        string askpass = dir["askpass"];
        File.WriteAllText(askpass, "#!/bin/sh\necho hunter2\n");
        File.SetUnixFileMode(askpass, (UnixFileMode)0b111_000_000);
        var env = new Dictionary<string, string> { ["SSH_ASKPASS"] = askpass, ["SSH_ASKPASS_REQUIRE"] = "force" };
        string zeros = new('\0', 256 * 1024);
        var ssh = Tool.Run("/usr/bin/ssh-keygen", ["-y", "-f", path], zeros, env: env);
        var hop = Tool.Run(Tool.Hop, ["keygen", "-y", "-f", path], zeros, env: env);
        Assert.True(ssh.ExitCode == 0, ssh.Stderr);
        Assert.True(hop.ExitCode == 0, hop.Stderr);
        Assert.Equal(ssh.Stdout, hop.Stdout);

        var noAskpass = Tool.Run(Tool.Hop, ["keygen", "-y", "-f", path], zeros);
        Assert.Equal(255, noAskpass.ExitCode);
        Assert.Contains("incorrect passphrase", noAskpass.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", noAskpass.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ed25519", "")]
    [InlineData("ecdsa", "-b 521")]
    [InlineData("rsa", "-b 2048")]
    public void FingerprintsAndRandomartMatchSshKeygen(string type, string bits)
    {
        using var dir = new TempDir();
        string path = dir["k"];
        var args = new List<string> { "-q", "-t", type, "-N", "", "-C", "a comment", "-f", path };
        if (bits.Length > 0) args.AddRange(bits.Split(' '));
        Tool.Ok(Tool.Run("/usr/bin/ssh-keygen", args), "ssh-keygen");
        foreach (var (file, opts) in new[] { (path, new[] { "-l" }), (path + ".pub", new[] { "-lv" }), (path + ".pub", new[] { "-lv", "-E", "md5" }) })
        {
            var theirs = Tool.Ok(Tool.SshKeygen([.. opts, "-f", file]), "ssh-keygen -l");
            var ours = Tool.Ok(Hop([.. opts, "-f", file]), "hop keygen -l");
            Assert.Equal(theirs.Stdout, ours.Stdout);
        }
        // Public-key conversions: RFC 4716 out and back in.
        var e = Tool.Ok(Tool.SshKeygen("-e", "-f", path + ".pub"), "ssh-keygen -e");
        Assert.Equal(e.Stdout, Tool.Ok(Hop("-e", "-f", path + ".pub"), "hop -e").Stdout);
        File.WriteAllText(dir["rfc"], e.Stdout);
        var i = Tool.Ok(Hop("-i", "-f", dir["rfc"]), "hop -i");
        Assert.Equal(Tool.Ok(Tool.SshKeygen("-i", "-f", dir["rfc"]), "ssh-keygen -i").Stdout, i.Stdout);
        if (type != "ed25519")
        {
            // ssh-keygen 9.2 exports only RSA and ECDSA as PKCS8/PEM.
            foreach (var m in type == "rsa" ? new[] { "PKCS8", "PEM" } : ["PKCS8"])
            {
                var theirs = Tool.Ok(Tool.SshKeygen("-e", "-m", m, "-f", path + ".pub"), "ssh-keygen -e -m");
                Assert.Equal(theirs.Stdout, Tool.Ok(Hop("-e", "-m", m, "-f", path + ".pub"), "hop -e -m").Stdout);
                if (m == "PEM" && type != "rsa") continue; // ssh-keygen -i -m PEM reads only PKCS#1 RSA public keys
                File.WriteAllText(dir["pem"], theirs.Stdout);
                Assert.Equal(Tool.Ok(Tool.SshKeygen("-i", "-m", m, "-f", dir["pem"]), "ssh-keygen -i -m").Stdout,
                    Tool.Ok(Hop("-i", "-m", m, "-f", dir["pem"]), "hop -i -m").Stdout);
            }
        }
    }

    [Fact]
    public void ChangePassphraseBothWays()
    {
        using var dir = new TempDir();
        string path = dir["k"];
        Tool.Ok(Tool.SshKeygen("-q", "-t", "ed25519", "-N", "old", "-a", "2", "-C", "cmt", "-f", path), "ssh-keygen");
        var p = Tool.Ok(Hop("-p", "-P", "old", "-N", "new", "-a", "2", "-f", path), "hop -p");
        Assert.Equal("Key has comment 'cmt'\nYour identification has been saved with the new passphrase.\n", p.Stdout);
        Assert.Equal("600", KeyFileModeOf(path));
        Tool.Ok(Tool.SshKeygen("-y", "-P", "new", "-f", path), "ssh-keygen -y");
        Tool.Ok(Tool.SshKeygen("-p", "-P", "new", "-N", "third", "-a", "2", "-f", path), "ssh-keygen -p");
        Tool.Ok(Hop("-y", "-P", "third", "-f", path), "hop -y");
        var bad = Hop("-p", "-P", "wrong", "-N", "x", "-f", path);
        Assert.Equal(255, bad.ExitCode);
        Assert.Contains("incorrect passphrase supplied to decrypt private key", bad.Stderr, StringComparison.Ordinal);
        // Removing the passphrase.
        Tool.Ok(Hop("-p", "-P", "third", "-N", "", "-f", path), "hop -p");
        Tool.Ok(Tool.SshKeygen("-y", "-P", "", "-f", path), "ssh-keygen -y");
    }

    [Fact]
    public void ChangeComment()
    {
        using var dir = new TempDir();
        string path = dir["k"];
        Tool.Ok(Hop("-q", "-t", "ecdsa", "-N", "pw", "-a", "2", "-C", "first", "-f", path), "hop gen");
        var c = Tool.Ok(Hop("-c", "-P", "pw", "-C", "second one", "-a", "2", "-f", path), "hop -c");
        Assert.Equal("Old comment: first\nComment 'second one' applied\n", c.Stdout);
        Assert.EndsWith(" second one", File.ReadAllText(path + ".pub").Trim(), StringComparison.Ordinal);
        Assert.EndsWith(" second one", Tool.Ok(Tool.SshKeygen("-y", "-P", "pw", "-f", path), "ssh-keygen -y").Stdout.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public void InteractiveGenerationAsksLikeSshKeygen()
    {
        using var dir = new TempDir();
        var env = new Dictionary<string, string> { ["HOME"] = dir.Path };
        // Default file under a ~/.ssh that does not exist yet; passphrases that differ, then match.
        var r = HopWithInput("\na\nb\nsecret\nsecret\n", env);
        Assert.Equal(0, r.ExitCode);
        string ssh = Path.Combine(dir.Path, ".ssh");
        string key = Path.Combine(ssh, "id_ed25519");
        Assert.Contains($"Enter file in which to save the key ({key}): Created directory '{ssh}'.", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("Passphrases do not match.  Try again.", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("Enter passphrase (empty for no passphrase): Enter same passphrase again: ", r.Stderr, StringComparison.Ordinal);
        Assert.Equal("700", KeyFileModeOf(ssh));
        Tool.Ok(Tool.SshKeygen("-y", "-P", "secret", "-f", key), "ssh-keygen -y");

        // Overwrite refused: exit 1, file unchanged.
        string before = File.ReadAllText(key);
        var no = HopWithInput("\nn\n", env);
        Assert.Equal(1, no.ExitCode);
        Assert.Contains($"{key} already exists.\nOverwrite (y/n)? ", no.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(key));

        // Overwrite accepted with an empty passphrase: the user is told the key is unprotected.
        var yes = HopWithInput("\ny\n\n\n", env);
        Assert.Equal(0, yes.ExitCode);
        Assert.Contains("NOT protected by a passphrase", yes.Stdout, StringComparison.Ordinal);
        Tool.Ok(Tool.SshKeygen("-y", "-P", "", "-f", key), "ssh-keygen -y");
    }

    [Fact]
    public void ErrorsAndExitCodes()
    {
        using var dir = new TempDir();
        string path = dir["k"];
        Tool.Ok(Tool.SshKeygen("-q", "-t", "ed25519", "-N", "pw", "-a", "2", "-f", path), "ssh-keygen");
        var wrong = Hop("-y", "-P", "nope", "-f", path);
        Assert.Equal(255, wrong.ExitCode);
        Assert.Equal($"hop: Load key \"{path}\": incorrect passphrase supplied to decrypt private key\n", wrong.Stderr);
        Assert.Equal("", wrong.Stdout);

        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, TempDir.Private | UnixFileMode.GroupRead);
        var open = Hop("-y", "-P", "pw", "-f", path);
        Assert.Equal(255, open.ExitCode);
        Assert.Contains("WARNING: UNPROTECTED PRIVATE KEY FILE!", open.Stderr, StringComparison.Ordinal);
        Assert.Contains($"Permissions 0640 for '{path}' are too open.", open.Stderr, StringComparison.Ordinal);

        Assert.Equal(1, Hop("-x").ExitCode);
        var small = Hop("-t", "rsa", "-b", "1024", "-N", "", "-f", dir["r"]);
        Assert.Equal(255, small.ExitCode);
        Assert.Contains("Invalid RSA key length: minimum is 2048 bits", small.Stderr, StringComparison.Ordinal);
        Assert.Equal(255, Hop("-t", "ecdsa", "-b", "300", "-N", "", "-f", dir["e"]).ExitCode);
        Assert.Equal(255, Hop("-t", "foo", "-N", "", "-f", dir["e"]).ExitCode);
        Assert.False(File.Exists(dir["r"]));
        var missing = Hop("-l", "-f", dir["absent"]);
        Assert.Equal(255, missing.ExitCode);
        Assert.Contains("No such file or directory", missing.Stderr, StringComparison.Ordinal);
        File.WriteAllText(dir["junk"], "junk\n");
        var junk = Hop("-l", "-f", dir["junk"]);
        Assert.Equal(255, junk.ExitCode);
        Assert.Contains("is not a public key file.", junk.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", junk.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ed25519", "256", true)]
    [InlineData("ecdsa", "256", false)]
    [InlineData("ecdsa", "521", false)]
    public void KeygenAndFingerprintLoadNoLibraryTheyDoNotNeed(string type, string bits, bool needsSodium)
    {
        // Loading and initialising OpenSSL was a third of `hop keygen -t ed25519`'s time, of `-t ecdsa`'s
        // and of `-l`'s; nothing in them needs it (randomness from getrandom(2), the public key, the point
        // check and the fingerprint's hash from BouncyCastle). An ECDSA key needs libsodium for nothing
        // either (loading it was a quarter of a millisecond). ssh-keygen must read the key back to the
        // same public key and fingerprint.
        using var dir = new TempDir();
        var made = Traced(dir["made"], "keygen", "-t", type, "-b", bits, "-N", "", "-C", "c", "-f", dir["k"]);
        Assert.True(File.Exists(dir["k"]) && File.Exists(dir["k"] + ".pub"));
        Assert.Equal(needsSodium, Opened(dir["made"]).Any(l => l.Contains("libsodium", StringComparison.Ordinal)));
        string derived = Tool.Ok(Tool.SshKeygen("-y", "-f", dir["k"]), "ssh-keygen -y").Stdout.Trim();
        Assert.StartsWith(derived, File.ReadAllText(dir["k"] + ".pub").Trim(), StringComparison.Ordinal);
        string fingerprint = Tool.Ok(Tool.SshKeygen("-l", "-f", dir["k"] + ".pub"), "ssh-keygen -l").Stdout.Split(' ')[1];
        Assert.Contains(fingerprint, made, StringComparison.Ordinal);
        Assert.Contains(fingerprint, Traced(dir["listed"], "keygen", "-l", "-f", dir["k"] + ".pub"), StringComparison.Ordinal);

        string Traced(string trace, params string[] args)
        {
            var run = Strace(trace, "openat", Tool.Hop, args);
            Assert.DoesNotContain(Opened(trace), l => l.Contains("libcrypto", StringComparison.Ordinal) || l.Contains("libssl", StringComparison.Ordinal));
            return run.Stdout;
        }

        static List<string> Opened(string trace) =>
            [.. File.ReadAllLines(trace).Where(l => l.Contains("openat(", StringComparison.Ordinal) && !l.Contains("ENOENT", StringComparison.Ordinal))];
    }

    [Fact]
    public void AKeyFileThatReplacesAnotherReachesTheDiskBeforeTheRenameANewOneIsWrittenAsSshKeygenDoes()
    {
        // A new key file is not flushed (ssh-keygen flushes none; a crash can lose only the key just
        // made), a replaced one is, before the rename, so that a crash never leaves an empty file where
        // a key was: the old key or the new one stays.
        using var dir = new TempDir();
        string made = dir["made"];
        Strace(made, FlushesAndRenames, Tool.Hop, "keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir["k"]);
        var calls = File.ReadAllLines(made);
        Assert.Equal(2, calls.Count(IsRename));
        Assert.DoesNotContain(calls, IsFlush);

        string theirs = dir["theirs"];
        Strace(theirs, FlushesAndRenames, "/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir["s"]);
        Assert.DoesNotContain(File.ReadAllLines(theirs), IsFlush);

        string changed = dir["changed"];
        Strace(changed, FlushesAndRenames, Tool.Hop, "keygen", "-p", "-P", "", "-N", "a new passphrase", "-f", dir["k"]);
        calls = File.ReadAllLines(changed);
        int rename = Array.FindIndex(calls, IsRename);
        Assert.True(rename > 0 && calls.Take(rename).Any(IsFlush), string.Join('\n', calls));
        Tool.Ok(Tool.SshKeygen("-y", "-P", "a new passphrase", "-f", dir["k"]), "ssh-keygen -y after -p");

        static bool IsRename(string l) => l.Contains("rename", StringComparison.Ordinal) && !l.Contains("= -1", StringComparison.Ordinal);
        static bool IsFlush(string l) => l.Contains("fsync(", StringComparison.Ordinal) || l.Contains("fdatasync(", StringComparison.Ordinal);
    }

    private const string FlushesAndRenames = "fsync,fdatasync,rename,renameat,renameat2";

    /// <summary>Runs <paramref name="exe"/> under strace, following threads, logging <paramref name="calls"/> to <paramref name="output"/>; it must succeed.</summary>
    private static Tool.Result Strace(string output, string calls, string exe, params string[] args) =>
        Tool.Ok(Tool.Run("/usr/bin/strace", ["-f", "-qq", "-e", "trace=" + calls, "-o", output, exe, .. args]), $"strace {Path.GetFileName(exe)} {args[0]}");

    private static string KeyFileModeOf(string path) =>
        OperatingSystem.IsWindows() ? "" : Convert.ToString((int)File.GetUnixFileMode(path) & 0x1ff, 8);
}
