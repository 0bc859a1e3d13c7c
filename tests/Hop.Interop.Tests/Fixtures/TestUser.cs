namespace Hop.Interop.Tests.Fixtures;

/// <summary>
/// A local account the servers log in to, made on first use (the tests run as root, as CI does),
/// with a known password and a plain /bin/sh so that no heavy shell start-up runs per command.
/// Its authorized_keys is replaced by each server fixture that needs it.
/// </summary>
public static class TestUser
{
    public const string Name = "hoptest";
    public const string Password = "hop-Test-pw-1";
    public const string Home = "/var/lib/hoptest";
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool _ready;

    public static async Task EnsureAsync()
    {
        if (_ready) return;
        await Gate.WaitAsync();
        try
        {
            if (_ready) return;
            var id = await ProcessRunner.RunAsync("/usr/bin/id", ["-u", Name]);
            if (id.ExitCode != 0)
            {
                await ProcessRunner.RunCheckedAsync("/usr/sbin/useradd", "-m", "-d", Home, "-s", "/bin/sh", Name);
            }
            await ProcessRunner.RunAsync("/usr/sbin/chpasswd", [], stdin: System.Text.Encoding.ASCII.GetBytes($"{Name}:{Password}\n"));
            Directory.CreateDirectory(Path.Combine(Home, ".ssh"));
            _ready = true;
        }
        finally
        {
            Gate.Release();
        }
    }
}

/// <summary>
/// Test classes that write the test user's own ~/.ssh (dropbear reads authorized_keys only from
/// there; copy-id installs into it) run one after another, never at the same time.
/// </summary>
[CollectionDefinition(Name)]
public sealed class TestUserHomeCollection
{
    public const string Name = "test user's home";
}
