using System.Buffers.Binary;
using Hop.Ssh.Agent;

namespace Hop.Ssh.Tests.Agent;

public class AgentFramingTests
{
    [Fact]
    public async Task RoundTripsAFrame()
    {
        var ms = new MemoryStream();
        await AgentFraming.WriteAsync(ms, new byte[] { 11 }, CancellationToken.None);
        Assert.Equal(new byte[] { 0, 0, 0, 1, 11 }, ms.ToArray());
        ms.Position = 0;
        Assert.Equal(new byte[] { 11 }, await AgentFraming.ReadAsync(ms, CancellationToken.None));
        Assert.Null(await AgentFraming.ReadAsync(ms, CancellationToken.None));
    }

    [Theory]
    [InlineData(256 * 1024 + 1)]
    [InlineData(0)]
    public async Task RejectsOversizedAndEmptyFrames(int length)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)length);
        await Assert.ThrowsAsync<SshProtocolException>(async () => await AgentFraming.ReadAsync(new MemoryStream(header), CancellationToken.None));
    }

    [Fact]
    public async Task AcceptsTheLargestFrame()
    {
        var frame = new byte[4 + 256 * 1024];
        BinaryPrimitives.WriteUInt32BigEndian(frame, 256 * 1024);
        var body = await AgentFraming.ReadAsync(new MemoryStream(frame), CancellationToken.None);
        Assert.Equal(256 * 1024, body!.Length);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0 })]
    [InlineData(new byte[] { 0, 0, 0, 5, 1, 2 })]
    public async Task RejectsTruncatedFrames(byte[] bytes)
    {
        await Assert.ThrowsAsync<SshProtocolException>(async () => await AgentFraming.ReadAsync(new MemoryStream(bytes), CancellationToken.None));
    }
}
