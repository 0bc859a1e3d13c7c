using System.Diagnostics;
using Hop.Ssh.Config;

namespace Hop.Interop.Tests.Config;

/// <summary>
/// Differential test against OpenSSH: for every file of Config/corpus and every host named in its
/// "# hosts:" line, our ConfigDump and `ssh -G -F FILE host` must print the same lines for every keyword
/// Hop supports (ConfigDump.Keywords), in the same order. No other normalisation: both print IdentityFile and
/// CertificateFile unexpanded and yes/no vs true/false as OpenSSH spells each keyword. "@DIR@" in the corpus
/// stands for the temporary copy's folder; HOME points at that folder so "Include relative" resolves alike.
/// </summary>
public sealed class ConfigDifferentialTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hop-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string file in Directory.GetFiles(CorpusDir(), "*.conf").Order(StringComparer.Ordinal))
        {
            foreach (string host in HostsOf(file)) data.Add(Path.GetFileName(file), host);
        }
        return data;
    }

    [Fact]
    public void Corpus_has_at_least_40_files() =>
        Assert.True(Directory.GetFiles(CorpusDir(), "*.conf").Length >= 40);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Dump_matches_ssh_G(string corpusFile, string host)
    {
        string file = Stage(corpusFile);
        string expected = Filter(RunSshG(file, host));
        string home = PasswordHome();
        var config = SshConfig.Resolve(host, new ResolveOptions
        {
            ConfigFile = file,
            HomeDirectory = home,
            LocalUser = Environment.UserName,
            UserConfigDirectory = Path.Combine(_dir, ".ssh"),
            Algorithms = AlgorithmDefaults.OpenSsh,
        });
        var sw = new StringWriter();
        ConfigDump.Write(sw, config);
        Assert.Equal(expected, Filter(sw.ToString()));
    }

    internal static string CorpusDir()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Hop.slnx"))) dir = Path.GetDirectoryName(dir);
        Assert.NotNull(dir);
        return Path.Combine(dir!, "tests", "Hop.Interop.Tests", "Config", "corpus");
    }

    private static IEnumerable<string> HostsOf(string file)
    {
        string first = File.ReadLines(file).First();
        Assert.StartsWith("# hosts:", first);
        var args = first["# hosts:".Length..].Trim();
        // Hosts are space-separated; "double quotes" group a host with a space.
        var list = new List<string>();
        for (int i = 0; i < args.Length;)
        {
            if (args[i] == ' ') { i++; continue; }
            if (args[i] == '"')
            {
                int close = args.IndexOf('"', i + 1);
                list.Add(args[(i + 1)..close]);
                i = close + 1;
                continue;
            }
            int end = args.IndexOf(' ', i);
            if (end < 0) end = args.Length;
            list.Add(args[i..end]);
            i = end;
        }
        return list.Where(h => !h.Contains(' ', StringComparison.Ordinal));
    }

    private string Stage(string corpusFile)
    {
        string source = CorpusDir();
        Directory.CreateDirectory(Path.Combine(_dir, "inc"));
        Directory.CreateDirectory(Path.Combine(_dir, ".ssh"));
        foreach (string f in Directory.GetFiles(source, "*.conf").Concat(Directory.GetFiles(Path.Combine(source, "inc"))))
        {
            string rel = Path.GetRelativePath(source, f);
            string target = Path.Combine(_dir, rel);
            File.WriteAllText(target, File.ReadAllText(f).Replace("@DIR@", _dir, StringComparison.Ordinal));
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
        File.Copy(Path.Combine(_dir, "inc", "rel-inc.conf"), Path.Combine(_dir, ".ssh", "rel-inc.conf"), overwrite: true);
        return Path.Combine(_dir, corpusFile);
    }

    private string RunSshG(string file, string host)
    {
        var psi = new ProcessStartInfo("/usr/bin/ssh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "-G", "-F", file, host }) psi.ArgumentList.Add(a);
        psi.Environment["HOME"] = _dir;
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(20_000), "ssh -G timed out");
        Assert.True(p.ExitCode == 0, $"ssh -G failed: {stderr.Result}");
        return stdout.Result;
    }

    internal static string PasswordHome()
    {
        string uid = new ResolveOptions().LocalUserId;
        foreach (string line in File.ReadLines("/etc/passwd"))
        {
            var f = line.Split(':');
            if (f.Length >= 6 && f[2] == uid) return f[5];
        }
        return Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
    }

    private static string Filter(string dump) => string.Join('\n', dump.Split('\n')
        .Where(l => l.Length > 0 && ConfigDump.Keywords.Contains(l.Split(' ')[0])));
}
