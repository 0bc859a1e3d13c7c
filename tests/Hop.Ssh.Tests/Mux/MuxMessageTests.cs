using Hop.Ssh.Mux;
using Hop.Ssh.Wire;

namespace Hop.Ssh.Tests.Mux;

public class MuxMessageTests
{
    private delegate void WriteMessage(ref SshWriter w);

    private static byte[] Bytes(WriteMessage write)
    {
        using var b = new SshBuffer();
        var w = b.Writer;
        write(ref w);
        return b.ToArray();
    }

    [Fact]
    public void NewSessionIsLaidOutAsOpenSshsMasterReadsIt()
    {
        var m = new MuxNewSession(7, WantTty: true, WantX11: false, WantAgent: true, Subsystem: false, EscapeChar: '~', "xterm", "ls", ["A=1"]);
        var bytes = Bytes((ref SshWriter w) => m.Write(ref w));
        // type, request id, empty reserved string, four uint32 flags (not bytes), escape char, TERM, command, env.
        byte[] expected =
        [
            0x10, 0, 0, 2, 0, 0, 0, 7, 0, 0, 0, 0,
            0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
            0, 0, 0, (byte)'~',
            0, 0, 0, 5, (byte)'x', (byte)'t', (byte)'e', (byte)'r', (byte)'m',
            0, 0, 0, 2, (byte)'l', (byte)'s',
            0, 0, 0, 3, (byte)'A', (byte)'=', (byte)'1',
        ];
        Assert.Equal(expected, bytes);
        var r = new SshReader(bytes);
        var back = MuxNewSession.Read(ref r);
        Assert.Equal(m.RequestId, back.RequestId);
        Assert.True(back.WantTty && back.WantAgent && !back.WantX11 && !back.Subsystem);
        Assert.Equal(("xterm", "ls"), (back.TerminalType, back.Command));
        Assert.Equal(["A=1"], back.Environment);
    }

    [Fact]
    public void HelloRoundTripsAndKeepsTheNamesOfExtensions()
    {
        var bytes = Bytes((ref SshWriter w) => new MuxHello(MuxProtocol.Version).Write(ref w));
        Assert.Equal(new byte[] { 0, 0, 0, 1, 0, 0, 0, 4 }, bytes);
        var withExtension = Bytes((ref SshWriter w) =>
        {
            new MuxHello(4).Write(ref w);
            w.WriteString("name@example.com");
            w.WriteString("value");
        });
        var r = new SshReader(withExtension);
        var hello = MuxHello.Read(ref r);
        Assert.Equal(4u, hello.Version);
        Assert.Equal(["name@example.com"], hello.ExtensionNames);
        r.EnsureEnd();

        // The master's hello: its extension with an empty value.
        var masters = Bytes((ref SshWriter w) => new MuxHello(4, [MuxProtocol.ProxyGlobalRequestsExtension]).Write(ref w));
        Assert.Equal([0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 25, .. "proxy-global-requests@hop"u8.ToArray(), 0, 0, 0, 0], masters);
        r = new SshReader(masters);
        Assert.Equal([MuxProtocol.ProxyGlobalRequestsExtension], MuxHello.Read(ref r).ExtensionNames);
    }

    [Fact]
    public void HelloThatIsAnotherMessageIsRefused()
    {
        var bytes = Bytes((ref SshWriter w) => new MuxSimpleRequest(MuxProtocol.AliveCheck, 1).Write(ref w));
        Assert.Throws<SshProtocolException>(() =>
        {
            var r = new SshReader(bytes);
            MuxHello.Read(ref r);
        });
    }

    [Theory]
    [InlineData(MuxProtocol.Alive, 4242u, null)]
    [InlineData(MuxProtocol.ExitMessage, 3u, null)]
    [InlineData(MuxProtocol.SessionOpened, 9u, null)]
    [InlineData(MuxProtocol.Ok, 0u, null)]
    [InlineData(MuxProtocol.TtyAllocFail, 0u, null)]
    [InlineData(MuxProtocol.Failure, 0u, "no such thing")]
    [InlineData(MuxProtocol.PermissionDenied, 0u, "denied")]
    public void RepliesRoundTrip(uint type, uint value, string? reason)
    {
        var reply = new MuxReply(type, 5, value, reason);
        var bytes = Bytes((ref SshWriter w) => reply.Write(ref w));
        var r = new SshReader(bytes);
        Assert.Equal(reply, MuxReply.Read(ref r));
        r.EnsureEnd();
    }

    [Fact]
    public void UnknownAndTruncatedRepliesAreProtocolErrors()
    {
        foreach (var bytes in new[] { new byte[] { 0x80, 0, 0, 0x7f, 0, 0, 0, 1 }, new byte[] { 0x80, 0, 0, 5, 0, 0, 0, 1, 0 } })
        {
            Assert.ThrowsAny<SshProtocolException>(() =>
            {
                var r = new SshReader(bytes);
                MuxReply.Read(ref r);
            });
        }
    }

    [Fact]
    public void ForwardRequestsRoundTripAndRefuseUnknownTypes()
    {
        var open = new MuxForward(MuxProtocol.OpenForward, 3, MuxForward.Remote, "", 0, "/tmp/target.sock", MuxForward.UnixSocketPort);
        var bytes = Bytes((ref SshWriter w) => open.Write(ref w));
        Assert.Equal(new byte[] { 0x10, 0, 0, 6, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0 }, bytes[..20]);
        var r = new SshReader(bytes);
        Assert.Equal(open, MuxForward.Read(ref r));

        var bad = Bytes((ref SshWriter w) => (open with { Kind = 9 }).Write(ref w));
        Assert.Throws<SshProtocolException>(() =>
        {
            var reader = new SshReader(bad);
            MuxForward.Read(ref reader);
        });
    }

    [Fact]
    public void StdioForwardRequestsRoundTripWithTheReservedString()
    {
        var request = new MuxStdioForward(7, "db.internal", 5432);
        var bytes = Bytes((ref SshWriter w) => request.Write(ref w));
        // type, request id, reserved (empty), host, port: PROTOCOL.mux's layout.
        Assert.Equal(new byte[] { 0x10, 0, 0, 8, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 11 }, bytes[..16]);
        var r = new SshReader(bytes);
        Assert.Equal(request, MuxStdioForward.Read(ref r));

        byte[] trailing = [.. bytes, 0];
        Assert.Throws<SshProtocolException>(() =>
        {
            var reader = new SshReader(trailing);
            MuxStdioForward.Read(ref reader);
        });
    }
}
