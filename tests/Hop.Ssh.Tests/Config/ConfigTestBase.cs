using Hop.Ssh.Config;

namespace Hop.Ssh.Tests.Config;

/// <summary>A temp folder standing in for the home directory, and a resolver with fixed local facts.</summary>
public abstract class ConfigTestBase : IDisposable
{
    protected string Dir { get; } = Directory.CreateTempSubdirectory("hop-cfgunit-").FullName;

    public void Dispose()
    {
        Directory.Delete(Dir, recursive: true);
        GC.SuppressFinalize(this);
    }

    protected string Write(string name, string text)
    {
        string path = Path.Combine(Dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return path;
    }

    /// <summary>Stands in for the system resolver (CanonicalizeHostname); the real one when null.</summary>
    protected Func<string, AddressFamily, HostLookup>? LookupHost { get; init; }

    /// <summary>Receives the resolver's debug lines.</summary>
    protected Action<int, string>? Log { get; init; }

    protected ResolveOptions Options(string? file = null, params string[] commandLine) => new()
    {
        LookupHost = LookupHost ?? HostLookup.System,
        Log = Log,
        ConfigFile = file,
        UserConfigFile = Path.Combine(Dir, ".ssh", "config"),
        SystemConfigFile = Path.Combine(Dir, "etc", "ssh_config"),
        SystemConfigDirectory = Path.Combine(Dir, "etc"),
        HomeDirectory = Dir,
        LocalUser = "tester",
        LocalUserId = "1234",
        LocalHostName = "box.local",
        CommandLineOptions = commandLine,
        Environment = name => name switch { "KEYDIR" => "/keys", "PCT" => "%h", "PORT" => "7100", _ => null },
        MatchExec = cmd => cmd == "true",
    };

    protected ResolvedConfig Resolve(string host, string configText, params string[] commandLine) =>
        SshConfig.Resolve(host, Options(Write("config", configText), commandLine));
}
