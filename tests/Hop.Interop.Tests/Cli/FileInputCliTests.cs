using System.Text;
using Hop.Interop.Tests.Fixtures;

namespace Hop.Interop.Tests.Cli;

/// <summary>Files that are not regular files (a pipe, a device without end) where hop reads a whole file.</summary>
public class FileInputCliTests
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

    [Theory]
    [InlineData("keygen -l -f /dev/zero", 255, "hop: /dev/zero: larger than 1 MiB")]
    [InlineData("keygen -L -f /dev/zero", 255, "hop: /dev/zero: larger than 1 MiB")]
    [InlineData("run -h /dev/zero true", 1, "hop run: could not open hosts file: /dev/zero: larger than 16 MiB")]
    public async Task AFileWithoutEndIsRefusedAtItsBoundNotReadUntilMemoryRunsOut(string command, int status, string error)
    {
        // OpenSSH's ssh-keygen -l -f /dev/zero reads for ever; before the bound, hop read until it crashed.
        var hop = await HopCli.RunAsync(command.Split(' '));
        Assert.Equal((status, error), (hop.ExitCode, hop.Stderr.Trim()));
    }
}
