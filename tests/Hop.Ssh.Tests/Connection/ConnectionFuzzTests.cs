using Hop.Ssh.Connection;
using Hop.Ssh.Connection.Messages;
using static Hop.Ssh.Tests.Connection.ConnectionHarness;

namespace Hop.Ssh.Tests.Connection;

/// <summary>
/// A hostile server's connection-protocol messages, valid ones cut short, bit-flipped, lengthened or
/// with a field set to an extreme, sent to a client with an open session. The client either goes on
/// (it still answers a channel open afterwards) or ends the connection with a protocol error; never
/// with one of its own bugs (the receive loop's "connection failed: ..." catch-all), never a hang.
/// </summary>
public class ConnectionFuzzTests
{
    private const int Iterations = 1000;

    [Fact]
    public async Task MutatedServerMessagesEndInAProtocolErrorOrNothing()
    {
        var rng = new Random(20261207);
        int failed = 0;
        for (int i = 0; i < Iterations; i++)
        {
            await using var h = Start();
            await using var session = await h.Client.OpenSessionAsync().WaitAsync(Limit);
            var sent = new List<byte[]>();
            int count = 1 + rng.Next(2);
            for (int k = 0; k < count; k++)
            {
                var message = Mutate(Templates(session.LocalChannelId)[rng.Next(TemplateCount)], rng);
                sent.Add(message);
                try
                {
                    await h.Server.SendAsync(message);
                }
                catch (SshConnectionException)
                {
                    break; // the client has ended the connection already, over an earlier message
                }
            }
            if (!h.Client.Completion.IsCompleted)
            {
                var sentinel = h.Server.OpenToClientAsync("fuzz-sentinel@hop.test", null);
                var first = await Task.WhenAny(sentinel, h.Client.Completion).WaitAsync(Limit);
                if (first == sentinel && sentinel.IsCompletedSuccessfully && !h.Client.Completion.IsCompleted)
                {
                    var (channel, failure) = await sentinel;
                    Assert.Null(channel);
                    Assert.Equal(ChannelOpenFailureReason.AdministrativelyProhibited, failure!.ReasonCode);
                    continue;
                }
            }
            var e = await Record.ExceptionAsync(() => h.Client.Completion.WaitAsync(Limit));
            Assert.True(e is SshProtocolException, $"iteration {i}: {Describe(sent)}\n{e}");
            failed++;
        }
        // The mutations reach both outcomes: some messages are refused, some get through.
        Assert.InRange(failed, Iterations / 10, Iterations - Iterations / 10);
    }

    private static string Describe(List<byte[]> sent) => string.Join("\n", sent.Select(Convert.ToHexString));

    private const int TemplateCount = 19;

    /// <summary>One valid message of each kind a server may send, for the client's channel <paramref name="c"/>.</summary>
    private static byte[][] Templates(uint c) =>
    [
        Build(w => { w.WriteByte(ConnectionMessageNumbers.ChannelData); w.WriteUInt32(c); w.WriteString("hello"u8); }),
        Build(w => { w.WriteByte(ConnectionMessageNumbers.ChannelExtendedData); w.WriteUInt32(c); w.WriteUInt32(1); w.WriteString("oops"u8); }),
        Build(w => { w.WriteByte(ConnectionMessageNumbers.ChannelWindowAdjust); w.WriteUInt32(c); w.WriteUInt32(4096); }),
        Build(w => { w.WriteByte(ConnectionMessageNumbers.ChannelEof); w.WriteUInt32(c); }),
        Build(w => { w.WriteByte(ConnectionMessageNumbers.ChannelClose); w.WriteUInt32(c); }),
        Build(w => { w.WriteByte(ConnectionMessageNumbers.ChannelSuccess); w.WriteUInt32(c); }),
        Build(w => { w.WriteByte(ConnectionMessageNumbers.ChannelFailure); w.WriteUInt32(c); }),
        Build(w => { w.WriteByte(ConnectionMessageNumbers.ChannelRequest); w.WriteUInt32(c); w.WriteString("exit-status"); w.WriteBoolean(false); w.WriteUInt32(3); }),
        Build(w => { w.WriteByte(ConnectionMessageNumbers.ChannelRequest); w.WriteUInt32(c); w.WriteString("exit-signal"); w.WriteBoolean(false); w.WriteString("TERM"); w.WriteBoolean(true); w.WriteString("killed"); w.WriteString("en"); }),
        Build(w => { w.WriteByte(ConnectionMessageNumbers.ChannelRequest); w.WriteUInt32(c); w.WriteString("keepalive@openssh.com"); w.WriteBoolean(true); }),
        Build(w => { w.WriteByte(ConnectionMessageNumbers.ChannelOpenConfirmation); w.WriteUInt32(c); w.WriteUInt32(7); w.WriteUInt32(65536); w.WriteUInt32(32768); }),
        Build(w => { w.WriteByte(ConnectionMessageNumbers.ChannelOpenFailure); w.WriteUInt32(c); w.WriteUInt32(2); w.WriteString("no"); w.WriteString("en"); }),
        Build(w => { w.WriteByte(ConnectionMessageNumbers.ChannelOpen); w.WriteString("forwarded-tcpip"); w.WriteUInt32(300); w.WriteUInt32(65536); w.WriteUInt32(32768); w.WriteString("127.0.0.1"); w.WriteUInt32(2222); w.WriteString("127.0.0.1"); w.WriteUInt32(40000); }),
        Build(w => { w.WriteByte(ConnectionMessageNumbers.ChannelOpen); w.WriteString("x11"); w.WriteUInt32(301); w.WriteUInt32(65536); w.WriteUInt32(32768); w.WriteString("127.0.0.1"); w.WriteUInt32(6010); }),
        Build(w => { w.WriteByte(ConnectionMessageNumbers.ChannelOpen); w.WriteString("auth-agent@openssh.com"); w.WriteUInt32(302); w.WriteUInt32(65536); w.WriteUInt32(32768); }),
        Build(w => { w.WriteByte(ConnectionMessageNumbers.GlobalRequest); w.WriteString("hostkeys-00@openssh.com"); w.WriteBoolean(false); w.WriteString(new byte[51]); }),
        Build(w => { w.WriteByte(ConnectionMessageNumbers.GlobalRequest); w.WriteString("keepalive@openssh.com"); w.WriteBoolean(true); }),
        Build(w => { w.WriteByte(ConnectionMessageNumbers.RequestSuccess); w.WriteUInt32(2222); }),
        Build(w => { w.WriteByte(ConnectionMessageNumbers.RequestFailure); }),
    ];

    private delegate void Writing(Hop.Ssh.Wire.SshWriter writer);

    private static byte[] Build(Writing write) => ScriptedServer.Build(b => write(b.Writer));

    /// <summary>Valid as it is (one time in eight), or damaged; the message number stays.</summary>
    private static byte[] Mutate(byte[] message, Random rng) =>
        rng.Next(8) == 0 ? message : Damage.Apply(message, rng, keep: 1, fields: [1, 5]);
}
