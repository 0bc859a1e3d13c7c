using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using Hop.Ssh.Connection;
using Hop.Ssh.Connection.Messages;

namespace Hop.Ssh.Tests.Connection;

/// <summary>A client <see cref="SshConnection"/> wired to a <see cref="ScriptedServer"/> in memory, and helpers.</summary>
internal static class ConnectionHarness
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    public sealed record Harness(SshConnection Client, ScriptedServer Server, InMemoryPacketConnection ClientEnd, InMemoryPacketConnection ServerEnd) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await ServerEnd.DisposeAsync();
            await Server.Loop.WaitAsync(Limit);
        }
    }

    public static Harness Start(SshConnectionOptions? options = null, uint serverWindow = 64 * 1024, uint serverMaxPacket = 16 * 1024, bool answerKeepalives = true)
    {
        var (clientEnd, serverEnd) = InMemoryPacketConnection.CreatePair();
        var server = new ScriptedServer(serverEnd) { Window = serverWindow, MaxPacket = serverMaxPacket, AnswerKeepalives = answerKeepalives };
        server.Start();
        var client = new SshConnection(clientEnd, options ?? new SshConnectionOptions { HostName = "testhost" });
        client.Start();
        return new Harness(client, server, clientEnd, serverEnd);
    }

    public static SshConnectionOptions SmallWindows => new() { HostName = "testhost", InitialWindowSize = 64 * 1024, MaximumPacketSize = 16 * 1024 };

    public static async Task<byte[]> ReadAllAsync(PipeReader reader)
    {
        using var output = new MemoryStream();
        while (true)
        {
            var result = await reader.ReadAsync().AsTask().WaitAsync(Limit);
            foreach (var segment in result.Buffer) output.Write(segment.Span);
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted) return output.ToArray();
        }
    }

    public static async Task<(long Length, string Sha256)> HashAllAsync(Stream stream)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[40000];
        long total = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer).AsTask().WaitAsync(Limit)) > 0)
        {
            hash.AppendData(buffer, 0, n);
            total += n;
        }
        return (total, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    public static string PatternSha256(long length)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (long o = 0; o < length; o += 100_000) hash.AppendData(ScriptedServer.Pattern(o, (int)Math.Min(100_000, length - o)));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
