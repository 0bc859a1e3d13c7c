namespace Hop.Interop.Tests.Fixtures;

/// <summary>
/// Host and user keys made once per test run with ssh-keygen (RSA generation is slow), shared
/// read-only by every fixture.
/// </summary>
public static class TestKeys
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _dir;

    public static readonly string[] HostKeyTypes = ["ed25519", "ecdsa256", "ecdsa384", "ecdsa521", "rsa"];
    public static readonly string[] UserKeyTypes = ["ed25519", "ecdsa256", "rsa"];

    /// <summary>The folder holding host_{type}[.pub] and id_{type}[.pub] files, all 0600.</summary>
    public static async Task<string> DirectoryAsync()
    {
        if (_dir is not null) return _dir;
        await Gate.WaitAsync();
        try
        {
            if (_dir is not null) return _dir;
            var d = TestPaths.NewTempDir("hop-keys-");
            var jobs = new List<Task>();
            foreach (var t in HostKeyTypes) jobs.Add(Generate(Path.Combine(d, "host_" + t), t, "host"));
            foreach (var t in UserKeyTypes) jobs.Add(Generate(Path.Combine(d, "id_" + t), t, "hop-test-user"));
            await Task.WhenAll(jobs);
            _dir = d;
            return d;
        }
        finally
        {
            Gate.Release();
        }
    }

    public static async Task<string> UserKeyAsync(string type = "ed25519") => Path.Combine(await DirectoryAsync(), "id_" + type);

    private static Task Generate(string path, string type, string comment)
    {
        var (t, b) = type switch
        {
            "ecdsa256" => ("ecdsa", "256"),
            "ecdsa384" => ("ecdsa", "384"),
            "ecdsa521" => ("ecdsa", "521"),
            "rsa" => ("rsa", "3072"),
            _ => (type, ""),
        };
        var args = new List<string> { "-q", "-t", t, "-N", "", "-C", comment, "-f", path };
        if (b.Length > 0) args.InsertRange(0, ["-b", b]);
        return ProcessRunner.RunCheckedAsync("/usr/bin/ssh-keygen", [.. args]);
    }
}
