using Hop.Ssh.Connection;

namespace Hop.Cli.Terminal;

/// <summary>Where a session's stdout and stderr go: written to ours by the connection's receive thread.</summary>
internal static class OutputSink
{
    /// <summary>A sink for our descriptor <paramref name="fd"/> (1 or 2).</summary>
    public static IChannelDataSink For(int fd) =>
        OperatingSystem.IsWindows() ? new StreamSink(InteractiveTerminal.OpenOutput(fd)) : DescriptorSink.For(fd);

    private sealed class StreamSink(Stream stream) : IChannelDataSink
    {
        public int Write(ReadOnlySpan<byte> data)
        {
            stream.Write(data);
            return data.Length;
        }

        public ValueTask WriteAsync(ReadOnlyMemory<byte> data) => stream.WriteAsync(data);
    }
}
