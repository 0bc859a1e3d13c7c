using Hop.Ssh.Config;

namespace Hop.Interop.Tests.Config;

/// <summary>
/// Differential test against OpenSSH: for every file of Config/corpus and every host named in its
/// "# hosts:" line, our ConfigDump and `ssh -G -F FILE host` must print the same lines for every keyword
/// Hop supports (ConfigDump.Keywords), in the same order. No other normalisation: both print IdentityFile and
/// CertificateFile unexpanded and yes/no vs true/false as OpenSSH spells each keyword. "@DIR@" in the corpus
/// stands for the temporary copy's folder; HOME points at that folder so "Include relative" resolves alike.
/// Optional header lines after "# hosts:": "# args: -o Keyword=value ..." (given to ssh before -F, and to Hop as
/// its -o options) and "# env: NAME=value ..." (set for ssh and for Hop's ${NAME} lookups). Files with either are
/// also run through the built `hop ssh -G` with the same command line and environment.
/// </summary>
public sealed class ConfigDifferentialTests : IClassFixture<ConfigDifferentialTests.Oracle>
{
    /// <summary>The corpus staged once in a temp folder, and ssh -G run for every case in parallel.</summary>
    public sealed class Oracle : IDisposable
    {
        public string Dir { get; } = Directory.CreateTempSubdirectory("hop-config-").FullName;
        internal Dictionary<(string File, string Host), Peer.Result> Outputs { get; } = [];

        public Oracle()
        {
            string source = CorpusDir();
            Directory.CreateDirectory(Path.Combine(Dir, "inc"));
            Directory.CreateDirectory(Path.Combine(Dir, ".ssh"));
            foreach (string f in Directory.GetFiles(source, "*.conf").Concat(Directory.GetFiles(Path.Combine(source, "inc"))))
            {
                string target = Path.Combine(Dir, Path.GetRelativePath(source, f));
                File.WriteAllText(target, File.ReadAllText(f).Replace("@DIR@", Dir, StringComparison.Ordinal));
                if (!OperatingSystem.IsWindows())
                    File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }
            File.Copy(Path.Combine(Dir, "inc", "rel-inc.conf"), Path.Combine(Dir, ".ssh", "rel-inc.conf"), overwrite: true);
            var cases = Cases().Select(row => ((string)row[0], (string)row[1])).ToList();
            var results = new System.Collections.Concurrent.ConcurrentDictionary<(string, string), Peer.Result>();
            Parallel.ForEach(cases, new ParallelOptions { MaxDegreeOfParallelism = 4 }, c =>
                results[c] = Peer.Run("/usr/bin/ssh", ["-G", .. ArgsOf(c.Item1), "-F", Path.Combine(Dir, c.Item1), c.Item2],
                    environment: new(EnvOf(c.Item1)) { ["HOME"] = Dir }));
            foreach (var (k, v) in results) Outputs[k] = v;
        }

        public void Dispose() => Directory.Delete(Dir, recursive: true);
    }

    private readonly Oracle _oracle;

    public ConfigDifferentialTests(Oracle oracle) => _oracle = oracle;

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string file in Directory.GetFiles(CorpusDir(), "*.conf").Order(StringComparer.Ordinal))
        {
            foreach (string host in HostsOf(file)) data.Add(Path.GetFileName(file), host);
        }
        return data;
    }

    /// <summary>The cases whose file has an "# args:" or "# env:" line.</summary>
    public static TheoryData<string, string> CommandLineCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var row in Cases())
        {
            string file = (string)row[0];
            if (ArgsOf(file).Count > 0 || EnvOf(file).Count > 0) data.Add(file, (string)row[1]);
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
        var ssh = _oracle.Outputs[(corpusFile, host)];
        Assert.True(ssh.ExitCode == 0, $"ssh -G failed: {ssh.Stderr}");
        var args = ArgsOf(corpusFile);
        var env = EnvOf(corpusFile);
        var config = SshConfig.Resolve(host, new ResolveOptions
        {
            CommandLineOptions = [.. args.Where((_, i) => i % 2 == 1)],
            Environment = name => env.TryGetValue(name, out string? v) ? v : System.Environment.GetEnvironmentVariable(name),
            ConfigFile = Path.Combine(_oracle.Dir, corpusFile),
            HomeDirectory = PasswordHome(),
            LocalUser = Environment.UserName,
            UserConfigDirectory = Path.Combine(_oracle.Dir, ".ssh"),
            Algorithms = AlgorithmDefaults.OpenSsh,
        });
        var sw = new StringWriter();
        ConfigDump.Write(sw, config);
        Assert.Equal(Filter(ssh.Stdout), Filter(sw.ToString()));
    }

    /// <summary>
    /// The same case through the built `hop ssh -G`, to check that the CLI hands -o and the environment to the resolver as
    /// ssh does. Hop's own algorithm preferences differ from OpenSSH's by design, so the algorithm lists are left to
    /// <see cref="Dump_matches_ssh_G"/>, which resolves them against OpenSSH's defaults.
    /// </summary>
    [Theory]
    [MemberData(nameof(CommandLineCases))]
    public async Task Hop_ssh_G_matches_ssh_G(string corpusFile, string host)
    {
        var ssh = _oracle.Outputs[(corpusFile, host)];
        Assert.True(ssh.ExitCode == 0, $"ssh -G failed: {ssh.Stderr}");
        var env = EnvOf(corpusFile).ToDictionary(kv => kv.Key, kv => (string?)kv.Value);
        env["HOME"] = PasswordHome();
        var hop = await Cli.HopCli.RunAsync(["ssh", "-G", .. ArgsOf(corpusFile), "-F", Path.Combine(_oracle.Dir, corpusFile), host], env);
        Assert.True(hop.ExitCode == 0, hop.ToString());
        string[] algorithms = ["ciphers", "macs", "kexalgorithms", "hostkeyalgorithms", "pubkeyacceptedalgorithms"];
        string Without(string dump) => string.Join('\n', Filter(dump).Split('\n').Where(l => !algorithms.Contains(l.Split(' ')[0])));
        Assert.Equal(Without(ssh.Stdout), Without(hop.Stdout));
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
        // Hosts are space-separated; a "quoted" host with a space is skipped (ssh refuses it as a host name).
        return first["# hosts:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(h => !h.Contains('"', StringComparison.Ordinal));
    }

    /// <summary>The words of the file's "# args:" line: -o options only, so they map onto ResolveOptions.CommandLineOptions.</summary>
    private static List<string> ArgsOf(string corpusFile)
    {
        var words = HeaderOf(corpusFile, "# args:")?.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList() ?? [];
        Assert.True(words.Count % 2 == 0 && words.Where((_, i) => i % 2 == 0).All(w => w == "-o"), $"{corpusFile}: # args: takes -o options only");
        return words;
    }

    /// <summary>The variables of the file's "# env:" line (NAME=value, separated by spaces).</summary>
    private static Dictionary<string, string> EnvOf(string corpusFile) =>
        (HeaderOf(corpusFile, "# env:")?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [])
            .Select(w => w.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    private static string? HeaderOf(string corpusFile, string prefix) =>
        File.ReadLines(Path.Combine(CorpusDir(), corpusFile)).TakeWhile(l => l.StartsWith('#'))
            .FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..];

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
