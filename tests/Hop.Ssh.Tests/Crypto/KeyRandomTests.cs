using Hop.Ssh.Crypto;

namespace Hop.Ssh.Tests.Crypto;

public class KeyRandomTests
{
    [Fact]
    public void FillsTheWholeBufferHoweverLong()
    {
        // getrandom(2) may return fewer bytes than asked; every part of a long buffer must be filled.
        var buffer = new byte[3 * 1024 * 1024 + 7];
        KeyRandom.Fill(buffer);
        for (int start = 0; start < buffer.Length; start += 64 * 1024)
        {
            var chunk = buffer.AsSpan(start, Math.Min(64 * 1024, buffer.Length - start));
            int distinct = chunk.ToArray().Distinct().Count();
            Assert.True(chunk.Length < 4096 || distinct == 256, $"chunk at {start}: {distinct} distinct byte values");
        }
        Assert.NotEqual(0, buffer[^7..].Aggregate(0, (acc, b) => acc | b));
    }

    [Fact]
    public void TwoDrawsDiffer()
    {
        var a = new byte[32];
        var b = new byte[32];
        KeyRandom.Fill(a);
        KeyRandom.Fill(b);
        Assert.NotEqual(a, b);
        Assert.NotEqual(KeyRandom.NextUInt32(), KeyRandom.NextUInt32());
    }

    [Fact]
    public void AnEmptyBufferIsFine() => KeyRandom.Fill([]);
}
