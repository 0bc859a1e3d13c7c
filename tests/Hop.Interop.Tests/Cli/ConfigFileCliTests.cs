using System.Text;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Cli;

/// <summary>-F with a file that is not a regular file, beside OpenSSH's ssh.</summary>
public class ConfigFileCliTests
{
    [Fact]
    public async Task AConfigFromAPipeIsReadAsSshReadsIt()
    {
        byte[] config = "Host x\n  Port 2022\n  User piped\n"u8.ToArray();
        var ssh = await ProcessRunner.RunAsync("/usr/bin/ssh", ["-G", "-F", "/dev/stdin", "x"], HopCli.IsolatedEnvironment(), config, TimeSpan.FromSeconds(30));
        var hop = await HopCli.RunAsync(["ssh", "-G", "-F", "/dev/stdin", "x"], stdin: config);
        Assert.True(hop.ExitCode == 0, hop.ToString());
        static string[] Pick(string output) => [.. output.Split('\n').Where(l => l.StartsWith("port ", StringComparison.Ordinal) || l.StartsWith("user ", StringComparison.Ordinal))];
        Assert.Equal(["user piped", "port 2022"], Pick(ssh.Stdout));
        Assert.Equal(Pick(ssh.Stdout), Pick(hop.Stdout));
    }

    [Fact]
    public async Task AnEndlessConfigFromAPipeIsRefusedNotReadForEver()
    {
        // 5 MiB of comments: more than the 4 MiB a config file may have, with no length to check first.
        byte[] config = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("# " + new string('x', 1021) + "\n", 5 * 1024)));
        var hop = await HopCli.RunAsync(["ssh", "-G", "-F", "/dev/stdin", "x"], stdin: config);
        Assert.Equal(255, hop.ExitCode);
        Assert.Equal("hop: /dev/stdin: file too large", hop.Stderr.Trim());
    }
}
